import type { Org, OrgKind } from '@citywatch/core/identity/schemas';

/** Levels top-down (core's ORG_KINDS order; a record, so the compiler holds it to every kind). */
const LEVEL: Record<OrgKind, number> = { city_bureau: 0, branch_bureau: 1, police_station: 2, team: 3 };
const ORG_KINDS = (Object.keys(LEVEL) as OrgKind[]).sort((a, b) => LEVEL[a] - LEVEL[b]);

export type OrgNode = Org & { children?: OrgNode[] };

/** The flat list the server sends, hung into a tree by parentId; siblings ordered by code. */
export function buildOrgTree(orgs: readonly Org[]): OrgNode[] {
  const nodes = new Map<string, OrgNode>();
  for (const o of orgs) nodes.set(o.id, { ...o });
  const roots: OrgNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId ? nodes.get(node.parentId) : undefined;
    if (parent) {
      if (!parent.children) parent.children = [];
      parent.children.push(node);
    } else {
      roots.push(node);
    }
  }
  const sort = (list: OrgNode[]) => {
    list.sort((a, b) => a.code.localeCompare(b.code) || a.name.localeCompare(b.name, 'zh-CN'));
    for (const n of list) if (n.children) sort(n.children);
  };
  sort(roots);
  return roots;
}

/** The levels a child of `parent` may have: anything below the parent's own level. */
export function childKinds(parent: OrgKind): OrgKind[] {
  return ORG_KINDS.filter((k) => LEVEL[k] > LEVEL[parent]);
}

export type OrgTreeSelectNode = { value: string; title: string; children?: OrgTreeSelectNode[] };

export function toTreeSelect(nodes: readonly OrgNode[]): OrgTreeSelectNode[] {
  return nodes.map((n) => ({
    value: n.id,
    title: n.name,
    children: n.children ? toTreeSelect(n.children) : undefined,
  }));
}
