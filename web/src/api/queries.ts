import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { QueryFunctionContext } from '@tanstack/react-query';
import { api, query } from './client';
import type {
  AuditPage,
  Health,
  Lineage,
  Pipeline,
  PipelineStatus,
  PluginList,
  RegisteredComponent,
  SearchResult,
  TierStatus,
  UnitDetail,
  UnitPage,
} from './types';

/** Query-string values of a list or search request; empty ones are left out. */
export type Params = Readonly<Record<string, string | number | undefined>>;

/**
 * Every query key of the app. Keys nest, so invalidating a prefix reaches all below it:
 * `pipelines` covers the list and each pipeline's status, `units` every unit list, unit and
 * lineage, `searches` every search.
 */
export const queryKeys = {
  health: ['health'],
  catalogStats: ['catalog', 'stats'],
  eventEnd: ['events', 'end'],
  components: ['components'],
  plugins: ['plugins'],
  storage: ['storage'],
  pipelines: ['pipelines'],
  pipelineStatus: (name: string) => ['pipelines', name, 'status'] as const,
  units: ['units'],
  unitList: (params: Params) => ['units', 'list', params] as const,
  unit: (cid: string) => ['units', 'one', cid] as const,
  lineage: (cid: string) => ['units', 'one', cid, 'lineage'] as const,
  searches: ['search'],
  search: (params: Params) => ['search', params] as const,
  audit: (params: Params) => ['audit', params] as const,
} as const;

/** A query function that GETs `path`, cancelled when the query no longer needs it. */
function get<T>(path: string): (context: QueryFunctionContext) => Promise<T> {
  return ({ signal }) => api<T>(path, { signal });
}

export const healthQuery = queryOptions({
  queryKey: queryKeys.health,
  queryFn: get<Health>('/api/health'),
});

export const catalogStatsQuery = queryOptions({
  queryKey: queryKeys.catalogStats,
  queryFn: get<{ units: number; documents: number; bytes: number }>('/api/catalog/stats'),
});

/** The stream's last position. */
export const eventEndQuery = queryOptions({
  queryKey: queryKeys.eventEnd,
  queryFn: get<{ end: number }>('/api/events?tail=true&limit=1'),
});

export const componentsQuery = queryOptions({
  queryKey: queryKeys.components,
  queryFn: get<{ components: RegisteredComponent[] }>('/api/components'),
});

export const pluginsQuery = queryOptions({
  queryKey: queryKeys.plugins,
  queryFn: get<PluginList>('/api/plugins'),
});

/** Tier figures, measured again by the node when older than 30 s. */
export const storageQuery = queryOptions({
  queryKey: queryKeys.storage,
  queryFn: get<{ tiers: TierStatus[] }>('/api/storage?maxAgeSeconds=30'),
});

export const pipelinesQuery = queryOptions({
  queryKey: queryKeys.pipelines,
  queryFn: get<{ pipelines: Pipeline[] }>('/api/pipelines'),
});

export function pipelineStatusQuery(name: string) {
  return queryOptions({
    queryKey: queryKeys.pipelineStatus(name),
    queryFn: get<PipelineStatus>(`/api/pipelines/${encodeURIComponent(name)}/status`),
  });
}

/** A page of units; the page shown stays while the next filter's page loads. */
export function unitListQuery(params: Params) {
  return queryOptions({
    queryKey: queryKeys.unitList(params),
    queryFn: get<UnitPage>(`/api/units${query(params)}`),
    placeholderData: keepPreviousData,
  });
}

/** Search hits; the hits shown stay while the next words' hits load. */
export function searchQuery(params: Params) {
  return queryOptions({
    queryKey: queryKeys.search(params),
    queryFn: get<SearchResult>(`/api/search${query(params)}`),
    placeholderData: keepPreviousData,
  });
}

/** A unit and its versions; the unit shown stays until the next one loads. */
export function unitQuery(cid: string) {
  return queryOptions({
    queryKey: queryKeys.unit(cid),
    queryFn: get<UnitDetail>(`/api/units/${encodeURIComponent(cid)}`),
    placeholderData: keepPreviousData,
  });
}

/** A unit's lineage; the graph shown stays until the next unit's loads. */
export function lineageQuery(cid: string) {
  return queryOptions({
    queryKey: queryKeys.lineage(cid),
    queryFn: get<Lineage>(`/api/units/${encodeURIComponent(cid)}/lineage`),
    placeholderData: keepPreviousData,
  });
}

/** A page of the audit trail, newest first; the page shown stays while the next filter's loads. */
export function auditQuery(params: Params) {
  return queryOptions({
    queryKey: queryKeys.audit(params),
    queryFn: get<AuditPage>(`/api/audit${query(params)}`),
    placeholderData: keepPreviousData,
  });
}
