import type {
  AuditAction,
  AuditEntry,
  CreateOrgRequest,
  CreateUserRequest,
  LoginRequest,
  Org,
  SessionInfo,
  UpdateUserRequest,
  User,
} from '@citywatch/core/identity/schemas';
import { api } from './client';

export type AuditVerifyResult = {
  ok: boolean;
  checked: number;
  firstBadSeq: number | null;
  reason: string | null;
};

export type AuditFilter = {
  action?: AuditAction;
  username?: string;
  beforeSeq?: number;
  limit?: number;
};

export const authApi = {
  login: (req: LoginRequest) =>
    api<SessionInfo>('/api/auth/login', { method: 'POST', body: req, noAuthRedirect: true }),
  logout: () => api<void>('/api/auth/logout', { method: 'POST', noAuthRedirect: true }),
  me: () => api<SessionInfo>('/api/auth/me', { noAuthRedirect: true }),
};

export const usersApi = {
  list: () => api<{ items: User[] }>('/api/users').then((r) => r.items),
  create: (req: CreateUserRequest) => api<User>('/api/users', { method: 'POST', body: req }),
  update: (id: string, req: UpdateUserRequest) =>
    api<User>(`/api/users/${encodeURIComponent(id)}`, { method: 'PATCH', body: req }),
  endSessions: (id: string) =>
    api<void>(`/api/users/${encodeURIComponent(id)}/end-sessions`, { method: 'POST' }),
};

export const orgsApi = {
  list: () => api<{ items: Org[] }>('/api/orgs').then((r) => r.items),
  create: (req: CreateOrgRequest) => api<Org>('/api/orgs', { method: 'POST', body: req }),
};

export const auditApi = {
  list: (filter: AuditFilter) =>
    api<{ items: AuditEntry[] }>('/api/audit', { query: filter }).then((r) => r.items),
  verify: () => api<AuditVerifyResult>('/api/audit/verify'),
};
