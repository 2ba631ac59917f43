import type {
  AuditAction,
  AuditEntry,
  AuditVerify,
  ChangePasswordRequest,
  CreateOrgRequest,
  CreateUserRequest,
  LoginRequest,
  Org,
  SessionInfo,
  UpdateUserRequest,
  User,
} from '@citywatch/core/identity/schemas';
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { api } from './client';

export type { AuditEntry, AuditVerify, Org, SessionInfo, User };

export type AuditFilter = { action?: AuditAction; username?: string };

/** How many audit entries one page of the log holds. */
export const AUDIT_PAGE = 100;

/** The identity API (sessions, users, orgs, audit log), typed by core's identity schemas. */
export const authApi = {
  login: (req: LoginRequest) =>
    api<SessionInfo>('/api/auth/login', { method: 'POST', body: req, noAuthRedirect: true }),
  logout: () => api<void>('/api/auth/logout', { method: 'POST', noAuthRedirect: true }),
  me: () => api<SessionInfo>('/api/auth/me', { noAuthRedirect: true }),
  changePassword: (req: ChangePasswordRequest) =>
    api<void>('/api/auth/password', { method: 'POST', body: req }),
};

export const usersApi = {
  list: (signal?: AbortSignal) => api<{ items: User[] }>('/api/users', { signal }).then((r) => r.items),
  create: (req: CreateUserRequest) => api<User>('/api/users', { method: 'POST', body: req }),
  update: (id: string, req: UpdateUserRequest) =>
    api<User>(`/api/users/${encodeURIComponent(id)}`, { method: 'PATCH', body: req }),
  endSessions: (id: string) =>
    api<void>(`/api/users/${encodeURIComponent(id)}/end-sessions`, { method: 'POST' }),
};

export const orgsApi = {
  list: (signal?: AbortSignal) => api<{ items: Org[] }>('/api/orgs', { signal }).then((r) => r.items),
  create: (req: CreateOrgRequest) => api<Org>('/api/orgs', { method: 'POST', body: req }),
};

export const auditApi = {
  list: (filter: AuditFilter & { beforeSeq?: number; limit?: number }, signal?: AbortSignal) =>
    api<{ items: AuditEntry[] }>('/api/audit', { query: filter, signal }).then((r) => r.items),
  verify: () => api<AuditVerify>('/api/audit/verify'),
};

export const identityKeys = {
  all: ['identity'] as const,
  users: ['identity', 'users'] as const,
  orgs: ['identity', 'orgs'] as const,
  audit: ['identity', 'audit'] as const,
};

export const identityQueries = {
  users: () => queryOptions({ queryKey: identityKeys.users, queryFn: ({ signal }) => usersApi.list(signal) }),
  orgs: () => queryOptions({ queryKey: identityKeys.orgs, queryFn: ({ signal }) => orgsApi.list(signal) }),
  /** The audit log, newest first, a page at a time (each page continues below the last seq). */
  audit: (filter: AuditFilter) =>
    infiniteQueryOptions({
      queryKey: [...identityKeys.audit, filter] as const,
      queryFn: ({ pageParam, signal }) =>
        auditApi.list({ ...filter, beforeSeq: pageParam, limit: AUDIT_PAGE }, signal),
      initialPageParam: undefined as number | undefined,
      getNextPageParam: (last) => (last.length === AUDIT_PAGE ? last[last.length - 1]?.seq : undefined),
    }),
};
