import type { AuroraLabCluster, LabInstance } from '../aurora/cluster.js';
import {
  checkSourceType,
  eventSubscriptionActions,
  type RdsEventSubscriptions,
} from './event-subscriptions.js';
import { LabFault } from './fault.js';
import { pageOf } from './paging.js';
import { type MasterUserSecretView, type ProxyView, RdsViews } from './rds-views.js';
import { queryList, type XmlValue } from './xml.js';

export const rdsNamespace = 'http://rds.amazonaws.com/doc/2014-10-31/';
export const rdsVersion = '2014-10-31';

/** List member element names from the RDS service model (xmlName); other lists use `member`. */
const members: Record<string, string> = {
  DBClusters: 'DBCluster',
  DBClusterMembers: 'DBClusterMember',
  DBClusterEndpoints: 'DBClusterEndpointList',
  DBClusterOptionGroupMemberships: 'DBClusterOptionGroup',
  DBInstances: 'DBInstance',
  DBSecurityGroups: 'DBSecurityGroup',
  DBParameterGroups: 'DBParameterGroup',
  VpcSecurityGroups: 'VpcSecurityGroupMembership',
  OptionGroupMemberships: 'OptionGroupMembership',
  DomainMemberships: 'DomainMembership',
  ReadReplicaIdentifiers: 'ReadReplicaIdentifier',
  ReadReplicaDBInstanceIdentifiers: 'ReadReplicaDBInstanceIdentifier',
  Subnets: 'Subnet',
  TagList: 'Tag',
  Events: 'Event',
  EventCategories: 'EventCategory',
  AvailabilityZones: 'AvailabilityZone',
  EventSubscriptionsList: 'EventSubscription',
  SourceIdsList: 'SourceId',
  EventCategoriesList: 'EventCategory',
  EventCategoriesMapList: 'EventCategoriesMap',
};
export const rdsMemberName = (list: string): string => members[list] ?? 'member';

/** The filter names each Describe call supports (the service model's documentation); others are refused. */
const supportedFilters: Record<string, readonly string[]> = {
  DescribeDBClusters: ['clone-group-id', 'db-cluster-id', 'db-cluster-resource-id', 'domain', 'engine'],
  DescribeDBInstances: ['db-cluster-id', 'db-instance-id', 'dbi-resource-id', 'domain', 'engine'],
  DescribeDBClusterEndpoints: [
    'db-cluster-endpoint-type',
    'db-cluster-endpoint-custom-type',
    'db-cluster-endpoint-id',
    'db-cluster-endpoint-status',
  ],
};

/** `Filters.Filter.N` of a request: name → values (several filters with one name: any of their values). */
type Filters = Map<string, string[]>;

/** The modifications the lab's ModifyDBInstance makes; any other is refused rather than silently ignored. */
const modifiable = new Set(['DBInstanceIdentifier', 'PromotionTier', 'ApplyImmediately']);

/** The RDS actions the lab answers, backed by the real cluster. */
export class RdsApi {
  private readonly views: RdsViews;

  constructor(
    private readonly cluster: AuroraLabCluster,
    private readonly proxy: () => ProxyView | undefined,
    private readonly eventSubscriptions?: RdsEventSubscriptions,
    masterUserSecret?: MasterUserSecretView,
  ) {
    this.views = new RdsViews(cluster, masterUserSecret);
  }

  private get names() {
    return this.cluster.options.names;
  }

  handle(action: string, p: URLSearchParams): Record<string, XmlValue> {
    if (this.eventSubscriptions && eventSubscriptionActions.has(action)) {
      return this.eventSubscriptions.handle(action, p);
    }
    switch (action) {
      case 'DescribeDBClusters': {
        const id = p.get('DBClusterIdentifier');
        if (id !== null) this.requireCluster(id, true);
        const f = this.filters(p, action);
        const match =
          this.anyOf(f, 'db-cluster-id', (v) => this.isCluster(v, true)) &&
          this.anyOf(f, 'engine', (v) => v === 'aurora-mysql') &&
          this.anyOf(f, 'db-cluster-resource-id', (v) => v === this.views.clusterResourceId) &&
          this.anyOf(f, 'clone-group-id', () => false) &&
          this.anyOf(f, 'domain', () => false);
        return this.paged(action, p, 'DBClusters', match ? [this.views.dbCluster()] : []);
      }
      case 'DescribeDBInstances': {
        const id = p.get('DBInstanceIdentifier');
        let list = this.cluster.instances;
        if (id !== null) list = [this.requireInstance(id, true)];
        const f = this.filters(p, action);
        list = list.filter(
          (i) =>
            this.anyOf(f, 'db-cluster-id', (v) => this.isCluster(v, true)) &&
            this.anyOf(f, 'db-instance-id', (v) => this.instanceId(v, true) === i.id) &&
            this.anyOf(f, 'dbi-resource-id', (v) => v === this.views.instanceResourceId(i)) &&
            this.anyOf(f, 'engine', (v) => v === 'aurora-mysql') &&
            this.anyOf(f, 'domain', () => false),
        );
        return this.paged(
          action,
          p,
          'DBInstances',
          list.map((i) => this.views.dbInstance(i)),
        );
      }
      case 'DescribeDBClusterEndpoints': {
        const id = p.get('DBClusterIdentifier');
        if (id !== null) this.requireCluster(id, false);
        const f = this.filters(p, action);
        // The built-in endpoints have no identifier: naming one (or filtering by one) finds only custom endpoints.
        const named = p.get('DBClusterEndpointIdentifier') !== null;
        const list = this.views
          .clusterEndpoints()
          .filter(
            (e) =>
              !named &&
              this.anyOf(f, 'db-cluster-endpoint-type', (v) => v.toUpperCase() === e.EndpointType) &&
              this.anyOf(f, 'db-cluster-endpoint-status', (v) => v === e.Status) &&
              this.anyOf(f, 'db-cluster-endpoint-id', () => false) &&
              this.anyOf(f, 'db-cluster-endpoint-custom-type', () => false),
          );
        return this.paged(action, p, 'DBClusterEndpoints', list);
      }
      case 'FailoverDBCluster': {
        this.requireCluster(this.required(p, 'DBClusterIdentifier'), false);
        const target = p.get('TargetDBInstanceIdentifier');
        this.cluster.failover(target === null ? undefined : this.instanceId(target, false));
        return { DBCluster: this.views.dbCluster() };
      }
      case 'RebootDBInstance': {
        const i = this.cluster.reboot(
          this.instanceId(this.required(p, 'DBInstanceIdentifier'), false),
          p.get('ForceFailover') === 'true',
        );
        // RDS answers `rebooting` whether the reboot restarts the instance or fails the cluster over.
        return { DBInstance: { ...this.views.dbInstance(i), DBInstanceStatus: 'rebooting' } };
      }
      case 'ModifyDBInstance':
        return { DBInstance: this.views.dbInstance(this.modifyInstance(p)) };
      case 'DescribeEvents':
        return this.paged(
          action,
          p,
          'Events',
          this.events(p).map((e) => this.views.event(e)),
        );
      case 'DescribeDBProxies': {
        const proxy = this.proxy();
        const name = p.get('DBProxyName');
        if (name !== null && proxy?.name !== name.toLowerCase()) {
          throw new LabFault('DBProxyNotFoundFault', `DB proxy ${name} not found.`, 404);
        }
        return this.paged(action, p, 'DBProxies', proxy ? [this.views.dbProxy(proxy)] : []);
      }
      case 'DescribeDBProxyTargets': {
        const proxy = this.proxy();
        const name = this.required(p, 'DBProxyName');
        if (proxy?.name !== name.toLowerCase())
          throw new LabFault('DBProxyNotFoundFault', `DB proxy ${name} not found.`, 404);
        return this.paged(action, p, 'Targets', this.views.proxyTargets());
      }
      default:
        throw new LabFault('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  }

  private paged(
    action: string,
    p: URLSearchParams,
    list: string,
    items: XmlValue[],
  ): Record<string, XmlValue> {
    const page = pageOf(items, p, action);
    return { [list]: page.items, Marker: page.marker };
  }

  private required(p: URLSearchParams, name: string): string {
    const v = p.get(name);
    if (v === null || v === '') {
      throw new LabFault('MissingParameter', `The request must contain the parameter ${name}`);
    }
    return v;
  }

  /**
   * An identifier as RDS compares it: case-insensitive (RDS stores them lower-case). Where RDS takes an ARN as
   * well (`arnKind`), the lab's own ARN of that kind stands for its identifier; any other ARN matches nothing.
   */
  private identifier(given: string, arnKind: 'cluster' | 'db' | undefined): string {
    const id = given.toLowerCase();
    if (arnKind === undefined || !id.startsWith('arn:')) return id;
    const prefix = this.views.arn(arnKind, '').toLowerCase();
    return id.startsWith(prefix) ? id.slice(prefix.length) : id;
  }

  private isCluster(given: string, arnAccepted: boolean): boolean {
    return this.identifier(given, arnAccepted ? 'cluster' : undefined) === this.names.clusterId;
  }

  private requireCluster(given: string, arnAccepted: boolean): void {
    if (!this.isCluster(given, arnAccepted))
      throw new LabFault('DBClusterNotFoundFault', `DBCluster ${given} not found.`, 404);
  }

  private instanceId(given: string, arnAccepted: boolean): string {
    return this.identifier(given, arnAccepted ? 'db' : undefined);
  }

  private requireInstance(given: string, arnAccepted: boolean): LabInstance {
    const i = this.cluster.instance(this.instanceId(given, arnAccepted));
    if (!i) throw new LabFault('DBInstanceNotFound', `DBInstance ${given} not found.`, 404);
    return i;
  }

  private filters(p: URLSearchParams, action: string): Filters {
    const out: Filters = new Map();
    for (let n = 1; p.has(`Filters.Filter.${n}.Name`); n++) {
      const name = p.get(`Filters.Filter.${n}.Name`) as string;
      if (!supportedFilters[action]?.includes(name)) {
        throw new LabFault('InvalidParameterValue', `Unrecognized filter name: ${name}`);
      }
      out.set(name, [...(out.get(name) ?? []), ...queryList(p, `Filters.Filter.${n}.Values`)]);
    }
    return out;
  }

  /** A filter absent lets everything through; a given one lets through what matches any of its values. */
  private anyOf(f: Filters, name: string, matches: (value: string) => boolean): boolean {
    const values = f.get(name);
    return values === undefined || values.some(matches);
  }

  /** ModifyDBInstance: PromotionTier (0-15), applied at once as Aurora applies it; nothing else. */
  private modifyInstance(p: URLSearchParams): LabInstance {
    const i = this.requireInstance(this.required(p, 'DBInstanceIdentifier'), false);
    for (const key of p.keys()) {
      if (key !== 'Action' && key !== 'Version' && !modifiable.has(key)) {
        throw new LabFault(
          'InvalidParameterCombination',
          `The lab's ModifyDBInstance changes only PromotionTier, not ${key}.`,
        );
      }
    }
    const tier = p.get('PromotionTier');
    if (tier !== null) {
      const n = Number(tier);
      if (!Number.isInteger(n) || n < 0 || n > 15) {
        throw new LabFault(
          'InvalidParameterValue',
          `Invalid value ${tier} for PromotionTier. Must be between 0 and 15`,
        );
      }
      i.promotionTier = n;
    }
    return i;
  }

  private events(p: URLSearchParams) {
    const given = p.get('SourceIdentifier');
    const sourceType = p.get('SourceType');
    if (sourceType !== null) checkSourceType(sourceType);
    if (given !== null && sourceType === null) {
      throw new LabFault(
        'InvalidParameterCombination',
        'Cannot specify source identifier without source type',
      );
    }
    const sourceId = given?.toLowerCase() ?? null;
    const end = p.get('EndTime') ? new Date(p.get('EndTime') as string) : new Date();
    const duration = Number(p.get('Duration') ?? 60);
    const start = p.get('StartTime')
      ? new Date(p.get('StartTime') as string)
      : new Date(end.getTime() - duration * 60_000);
    const categories = queryList(p, 'EventCategories');
    return this.cluster.events.filter(
      (e) =>
        e.date >= start &&
        e.date <= end &&
        (sourceId === null || e.sourceIdentifier === sourceId) &&
        (sourceType === null || e.sourceType === sourceType) &&
        (categories.length === 0 || e.eventCategories.some((c) => categories.includes(c))),
    );
  }
}
