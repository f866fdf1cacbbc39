import { describe, expect, it } from 'vitest';
import { SYSTEM_ROLES } from '#server/modules/access/system-roles.ts';
import { hasPermission, isPermission, permissionCovers } from './permissions.ts';

const role = (key: string) => SYSTEM_ROLES.find((r) => r.key === key)?.permissions ?? [];

describe('permission matching', () => {
  it('matches exact strings and * in any part', () => {
    expect(permissionCovers('crm:contacts:create', 'crm:contacts:create')).toBe(true);
    expect(permissionCovers('crm:contacts:create', 'crm:contacts:delete')).toBe(false);
    expect(permissionCovers('crm:*:read', 'crm:deals:read')).toBe(true);
    expect(permissionCovers('crm:*:read', 'crm:deals:update')).toBe(false);
    expect(permissionCovers('crm:contacts:*', 'crm:contacts:delete')).toBe(true);
    expect(permissionCovers('*:*:*', 'billing:plan:update')).toBe(true);
    expect(permissionCovers('*:users:read', 'admin:users:read')).toBe(true);
    expect(permissionCovers('crm:*:*', 'admin:users:read')).toBe(false);
  });

  it('never lets a wildcard in the request widen what is granted', () => {
    expect(permissionCovers('crm:contacts:read', 'crm:*:read')).toBe(false);
    expect(permissionCovers('crm:contacts', 'crm:contacts')).toBe(false);
    expect(permissionCovers('crm:contacts:read:extra', 'crm:contacts:read')).toBe(false);
  });

  it('validates permission strings', () => {
    expect(isPermission('crm:contacts:read_all')).toBe(true);
    expect(isPermission('*:*:*')).toBe(true);
    expect(isPermission('crm:cont*:read')).toBe(false);
    expect(isPermission('crm:contacts')).toBe(false);
    expect(isPermission('CRM:contacts:read')).toBe(false);
  });
});

describe('system roles', () => {
  it('owner does everything; admin all but billing and ownership', () => {
    expect(hasPermission(role('owner'), 'billing:plan:update')).toBe(true);
    expect(hasPermission(role('owner'), 'workspace:ownership:transfer')).toBe(true);
    expect(hasPermission(role('admin'), 'admin:users:update')).toBe(true);
    expect(hasPermission(role('admin'), 'crm:contacts:read_all')).toBe(true);
    expect(hasPermission(role('admin'), 'billing:plan:update')).toBe(false);
    expect(hasPermission(role('admin'), 'workspace:ownership:transfer')).toBe(false);
  });

  it('viewer reads and changes nothing; member works on records but cannot read all', () => {
    expect(hasPermission(role('viewer'), 'crm:contacts:read')).toBe(true);
    for (const action of ['create', 'update', 'delete'])
      expect(hasPermission(role('viewer'), `crm:contacts:${action}`)).toBe(false);
    expect(hasPermission(role('member'), 'crm:deals:create')).toBe(true);
    expect(hasPermission(role('member'), 'crm:deals:read_all')).toBe(false);
    expect(hasPermission(role('member'), 'admin:users:update')).toBe(false);
  });

  it('management reads everything and changes no records', () => {
    expect(hasPermission(role('management'), 'crm:deals:read_all')).toBe(true);
    expect(hasPermission(role('management'), 'crm:deals:update')).toBe(false);
  });

  it('department roles work on their own objects', () => {
    expect(hasPermission(role('sales_rep'), 'crm:deals:create')).toBe(true);
    expect(hasPermission(role('sales_rep'), 'crm:deals:export')).toBe(false);
    expect(hasPermission(role('sales_manager'), 'crm:deals:export')).toBe(true);
    expect(hasPermission(role('operations_rep'), 'crm:deals:create')).toBe(false);
    expect(hasPermission(role('operations_rep'), 'crm:projects:update')).toBe(true);
  });

  it('every seeded permission is well formed', () => {
    for (const r of SYSTEM_ROLES) for (const p of r.permissions) expect(isPermission(p), `${r.key}: ${p}`).toBe(true);
  });
});
