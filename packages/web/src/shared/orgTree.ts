import { ORG_KINDS, type Org, type OrgKind } from '@citywatch/core/identity/schemas';

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
  return ORG_KINDS.slice(ORG_KINDS.indexOf(parent) + 1);
}

export type OrgTreeSelectNode = { value: string; title: string; children?: OrgTreeSelectNode[] };

export function toTreeSelect(nodes: readonly OrgNode[]): OrgTreeSelectNode[] {
  return nodes.map((n) => ({
    value: n.id,
    title: n.name,
    children: n.children ? toTreeSelect(n.children) : undefined,
  }));
}
