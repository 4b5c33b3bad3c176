import { useEffect, useMemo, useRef } from 'react';
import { useNavigate } from 'react-router';
import { drag } from 'd3-drag';
import { forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY } from 'd3-force';
import type { SimulationLinkDatum, SimulationNodeDatum } from 'd3-force';
import { select } from 'd3-selection';
import { zoom, zoomIdentity } from 'd3-zoom';
import type { Lineage, Unit } from '../api/types';
import { Empty } from './status';

interface GraphNode extends SimulationNodeDatum {
  readonly unit: Unit;
  /** Generations from the unit shown: negative for ancestors, positive for descendants. */
  readonly depth: number;
  readonly role: 'self' | 'ancestor' | 'descendant';
}

type GraphLink = SimulationLinkDatum<GraphNode>;

const LAYER_GAP = 190;
const WIDTH = 900;
const HEIGHT = 360;

/** Nodes with their generation, and parent → child links, from a lineage reply. */
export function graphOf(lineage: Lineage): { nodes: GraphNode[]; links: GraphLink[] } {
  const units = new Map<string, Unit>();
  for (const u of [lineage.unit, ...lineage.ancestors, ...lineage.descendants])
    units.set(u.unitCid, u);
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const { child, parent } of lineage.edges) {
    if (!units.has(child) || !units.has(parent)) continue;
    parents.set(child, [...(parents.get(child) ?? []), parent]);
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const depth = new Map<string, number>([[lineage.unit.unitCid, 0]]);
  const walk = (next: Map<string, string[]>, step: number) => {
    let frontier = [lineage.unit.unitCid];
    while (frontier.length > 0) {
      const following: string[] = [];
      for (const cid of frontier) {
        for (const other of next.get(cid) ?? []) {
          if (depth.has(other)) continue;
          depth.set(other, depth.get(cid)! + step);
          following.push(other);
        }
      }
      frontier = following;
    }
  };
  walk(parents, -1);
  walk(children, 1);
  const ancestors = new Set(lineage.ancestors.map((u) => u.unitCid));
  const nodes: GraphNode[] = [...units.values()].map((unit) => {
    const d = depth.get(unit.unitCid) ?? 0;
    const role =
      unit.unitCid === lineage.unit.unitCid
        ? 'self'
        : ancestors.has(unit.unitCid)
          ? 'ancestor'
          : 'descendant';
    return { unit, depth: d, role, x: d * LAYER_GAP, y: 0 };
  });
  const byCid = new Map(nodes.map((n) => [n.unit.unitCid, n]));
  const links: GraphLink[] = lineage.edges
    .filter((e) => byCid.has(e.child) && byCid.has(e.parent))
    .map((e) => ({ source: byCid.get(e.parent)!, target: byCid.get(e.child)! }));
  return { nodes, links };
}

function label(unit: Unit): string {
  return unit.name.length > 26 ? `${unit.name.slice(0, 24)}…` : unit.name;
}

/**
 * The unit's ancestors (left) and descendants (right) as a force-directed graph: drag nodes,
 * zoom and pan, click or press Enter on a node to open that unit.
 */
export function LineageGraph({ lineage }: { lineage: Lineage }) {
  const svg = useRef<SVGSVGElement>(null);
  const navigate = useNavigate();
  // Rebuilt only when the set of units or edges changes, not on every refresh of the same data.
  const shape = useMemo(
    () =>
      JSON.stringify([
        lineage.unit.unitCid,
        lineage.ancestors.map((u) => u.unitCid),
        lineage.descendants.map((u) => u.unitCid),
        lineage.edges,
      ]),
    [lineage],
  );
  const latest = useRef(lineage);
  latest.current = lineage;

  useEffect(() => {
    const root = svg.current;
    if (!root) return;
    const { nodes, links } = graphOf(latest.current);
    const canvas = select(root);
    canvas.selectAll('*').remove();
    const view = canvas.append('g');
    canvas
      .append('defs')
      .append('marker')
      .attr('id', 'arrow')
      .attr('viewBox', '0 -5 10 10')
      .attr('refX', 20)
      .attr('markerWidth', 7)
      .attr('markerHeight', 7)
      .attr('orient', 'auto')
      .append('path')
      .attr('d', 'M0,-5L10,0L0,5')
      .attr('class', 'arrow-head');

    const zoomer = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.3, 3])
      .on('zoom', (event: { transform: { toString(): string } }) =>
        view.attr('transform', event.transform.toString()),
      );
    canvas.call(zoomer).on('dblclick.zoom', null);
    // Centred on the middle generation, so a unit with only descendants is not pushed aside.
    const depths = nodes.map((n) => n.depth);
    const middle = ((Math.min(...depths) + Math.max(...depths)) / 2) * LAYER_GAP;
    canvas.call(zoomer.transform, zoomIdentity.translate(WIDTH / 2 - middle, HEIGHT / 2));

    const edge = view
      .append('g')
      .selectAll('line')
      .data(links)
      .join('line')
      .attr('class', 'edge')
      .attr('marker-end', 'url(#arrow)');

    const open = (node: GraphNode) => {
      if (node.role !== 'self') void navigate(`/units/${node.unit.unitCid}`);
    };
    const node = view
      .append('g')
      .selectAll<SVGGElement, GraphNode>('g')
      .data(nodes)
      .join('g')
      .attr('class', (d) => `node ${d.role}`)
      .attr('data-cid', (d) => d.unit.unitCid)
      .attr('tabindex', 0)
      .attr('role', (d) => (d.role === 'self' ? 'img' : 'link'))
      .attr('aria-label', (d) =>
        d.role === 'self'
          ? `${d.unit.name} (this unit)`
          : `${d.role} ${d.unit.name}, ${d.unit.mediaType}: open`,
      )
      .on('click', (_event, d) => open(d))
      .on('keydown', (event: KeyboardEvent, d) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          open(d);
        }
      });
    node.append('circle').attr('r', (d) => (d.role === 'self' ? 14 : 10));
    node
      .append('text')
      .attr('y', 28)
      .attr('text-anchor', 'middle')
      .text((d) => label(d.unit));
    node.append('title').text((d) => `${d.unit.name}\n${d.unit.mediaType}\n${d.unit.unitCid}`);

    const simulation = forceSimulation(nodes)
      .force(
        'link',
        forceLink<GraphNode, GraphLink>(links)
          .distance(LAYER_GAP * 0.8)
          .strength(0.3),
      )
      .force('charge', forceManyBody().strength(-260))
      .force('x', forceX<GraphNode>((d) => d.depth * LAYER_GAP).strength(0.9))
      .force('y', forceY(0).strength(0.08))
      .force('collide', forceCollide(44))
      .on('tick', () => {
        edge
          .attr('x1', (d) => (d.source as GraphNode).x ?? 0)
          .attr('y1', (d) => (d.source as GraphNode).y ?? 0)
          .attr('x2', (d) => (d.target as GraphNode).x ?? 0)
          .attr('y2', (d) => (d.target as GraphNode).y ?? 0);
        node.attr('transform', (d) => `translate(${d.x ?? 0},${d.y ?? 0})`);
      });

    node.call(
      drag<SVGGElement, GraphNode>()
        .on('start', (event: { active: number }, d) => {
          if (!event.active) simulation.alphaTarget(0.3).restart();
          d.fx = d.x;
          d.fy = d.y;
        })
        .on('drag', (event: { x: number; y: number }, d) => {
          d.fx = event.x;
          d.fy = event.y;
        })
        .on('end', (event: { active: number }, d) => {
          if (!event.active) simulation.alphaTarget(0);
          d.fx = null;
          d.fy = null;
        }),
    );
    return () => {
      simulation.stop();
    };
  }, [shape, navigate]);

  const only = lineage.ancestors.length === 0 && lineage.descendants.length === 0;
  return (
    <div className="lineage">
      {only && (
        <Empty title="No lineage yet.">
          <p>
            Nothing was derived from this unit and it derives from nothing. When a pipeline
            processes it, its derived units appear here.
          </p>
        </Empty>
      )}
      <svg
        ref={svg}
        className="lineage-graph"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="group"
        aria-label={`Lineage: ${lineage.ancestors.length} ancestors, ${lineage.descendants.length} descendants`}
        data-testid="lineage-graph"
      />
      <p className="small muted">
        Ancestors on the left, derived units on the right. Drag to move, scroll to zoom, click a
        unit (or Tab to it and press Enter) to open it.
      </p>
    </div>
  );
}
