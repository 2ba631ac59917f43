import { z } from 'zod';

/** Roles of the bureau's staff. Permissions are granted to roles, never to users directly. */
export const STAFF_ROLES = [
  'admin',
  'commander',
  'dispatcher',
  'patrol_officer',
  'industry_inspector',
  'community_officer',
  'mediator',
  'auditor',
] as const;
/**
 * Every role: the staff's, and `enterprise` for a person of a regulated unit (hotel, explosives
 * enterprise…) bound to exactly that one unit (modules/oversight `oversight_unit_users`). An
 * enterprise user holds no staff permission: they see and do only their own unit's work.
 */
export const ROLES = [...STAFF_ROLES, 'enterprise'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** Levels of the org tree: city bureau → branch bureau → police station → team. */
export const ORG_KINDS = ['city_bureau', 'branch_bureau', 'police_station', 'team'] as const;
export const orgKindSchema = z.enum(ORG_KINDS);
export type OrgKind = z.infer<typeof orgKindSchema>;

export const usernameSchema = z
  .string()
  .min(3)
  .max(32)
  .regex(/^[a-z0-9_.-]+$/);
export const passwordSchema = z.string().min(10).max(128);

export const loginRequestSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const orgSchema = z.object({
  id: z.string(),
  parentId: z.string().nullable(),
  kind: orgKindSchema,
  name: z.string(),
  code: z.string(),
});
export type Org = z.infer<typeof orgSchema>;

export const createOrgRequestSchema = z.strictObject({
  parentId: z.string().uuid(),
  kind: orgKindSchema,
  name: z.string().min(1).max(100),
  code: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[0-9A-Za-z-]+$/),
});
export type CreateOrgRequest = z.infer<typeof createOrgRequestSchema>;

/** What the server says about a user: never the password hash, never lock-out internals. */
export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  orgId: z.string(),
  orgName: z.string(),
  roles: z.array(roleSchema),
  active: z.boolean(),
  createdAt: z.string(),
});
export type User = z.infer<typeof userSchema>;

export const createUserRequestSchema = z.strictObject({
  username: usernameSchema,
  displayName: z.string().min(1).max(64),
  password: passwordSchema,
  orgId: z.string().uuid(),
  roles: z.array(roleSchema).min(1),
});
export type CreateUserRequest = z.infer<typeof createUserRequestSchema>;

/** A change names at least one field: an empty PATCH is refused (400), not answered as a no-op. */
export const updateUserRequestSchema = z
  .strictObject({
    displayName: z.string().min(1).max(64).optional(),
    password: passwordSchema.optional(),
    orgId: z.string().uuid().optional(),
    roles: z.array(roleSchema).min(1).optional(),
    active: z.boolean().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'Nothing to change' });
export type UpdateUserRequest = z.infer<typeof updateUserRequestSchema>;

export const changePasswordRequestSchema = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: passwordSchema,
});
export type ChangePasswordRequest = z.infer<typeof changePasswordRequestSchema>;

export const sessionInfoSchema = z.object({
  user: userSchema,
  expiresAt: z.string(),
  /** The permissions the server grants this user: the web shows what they may do from these. */
  permissions: z.array(z.string()),
  /** A generated or reset password: the web asks for a new one before anything else. */
  mustChangePassword: z.boolean(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const AUDIT_ACTIONS = [
  'login',
  'login_failed',
  'logout',
  'permission_denied',
  'write',
  'personal_data_read',
  'sessions_ended',
  'hotlist_change',
  'hotlist_hit',
] as const;
export const auditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof auditActionSchema>;

export const auditEntrySchema = z.object({
  seq: z.number(),
  at: z.string(),
  userId: z.string().nullable(),
  username: z.string().nullable(),
  action: auditActionSchema,
  resource: z.string(),
  purpose: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditQuerySchema = z.strictObject({
  action: auditActionSchema.optional(),
  username: z.string().max(64).optional(),
  beforeSeq: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** RFC 9457 problem details, with field-level errors. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), rule: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

export const userListSchema = z.object({ items: z.array(userSchema) });
export const orgListSchema = z.object({ items: z.array(orgSchema) });
export const auditListSchema = z.object({ items: z.array(auditEntrySchema) });

/** `GET /api/audit/verify`: whether the hash chain holds, and where it breaks. */
export const auditVerifySchema = z.object({
  ok: z.boolean(),
  checked: z.number(),
  firstBadSeq: z.number().nullable(),
  reason: z.string().nullable(),
});
export type AuditVerify = z.infer<typeof auditVerifySchema>;
