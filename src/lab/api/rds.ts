import type { AuroraLabCluster, ClusterEvent, LabInstance } from '../aurora/cluster.js';
import { eventSubscriptionActions, type RdsEventSubscriptions } from './event-subscriptions.js';
import { LabFault } from './fault.js';
import { queryList, type XmlValue } from './xml.js';

export const rdsNamespace = 'http://rds.amazonaws.com/doc/2014-10-31/';
export const rdsVersion = '2014-10-31';
const account = '000000000000';

/** List member element names from the RDS service model (xmlName); other lists use `member`. */
const members: Record<string, string> = {
  DBClusters: 'DBCluster',
  DBClusterMembers: 'DBClusterMember',
  DBInstances: 'DBInstance',
  Events: 'Event',
  EventCategories: 'EventCategory',
  AvailabilityZones: 'AvailabilityZone',
  EventSubscriptionsList: 'EventSubscription',
  SourceIdsList: 'SourceId',
  EventCategoriesList: 'EventCategory',
  EventCategoriesMapList: 'EventCategoriesMap',
};
export const rdsMemberName = (list: string): string => members[list] ?? 'member';

export interface ProxyView {
  name: string;
  endpoint: string;
  status: 'available';
}

/** The RDS actions the lab answers, backed by the real cluster. */
export class RdsApi {
  constructor(
    private readonly cluster: AuroraLabCluster,
    private readonly proxy: () => ProxyView | undefined,
    private readonly eventSubscriptions?: RdsEventSubscriptions,
  ) {}

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
        if (id !== null) this.requireCluster(id);
        const filterIds = this.filterValues(p, 'db-cluster-id');
        const match = filterIds === undefined || filterIds.some((f) => this.clusterMatches(f));
        return { DBClusters: match ? [this.dbCluster()] : [] };
      }
      case 'DescribeDBInstances': {
        const id = p.get('DBInstanceIdentifier');
        let list = this.cluster.instances;
        if (id !== null) {
          list = list.filter((i) => i.id === id);
          if (list.length === 0) throw new LabFault('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
        }
        const clusters = this.filterValues(p, 'db-cluster-id');
        if (clusters !== undefined && !clusters.some((f) => this.clusterMatches(f))) list = [];
        return { DBInstances: list.map((i) => this.dbInstance(i)) };
      }
      case 'FailoverDBCluster': {
        this.requireCluster(this.required(p, 'DBClusterIdentifier'));
        this.cluster.failover(p.get('TargetDBInstanceIdentifier') ?? undefined);
        return { DBCluster: this.dbCluster() };
      }
      case 'RebootDBInstance': {
        const i = this.cluster.reboot(
          this.required(p, 'DBInstanceIdentifier'),
          p.get('ForceFailover') === 'true',
        );
        return { DBInstance: this.dbInstance(i) };
      }
      case 'DescribeEvents':
        return { Events: this.events(p).map((e) => this.event(e)) };
      case 'DescribeDBProxies': {
        const proxy = this.proxy();
        const name = p.get('DBProxyName');
        if (name !== null && proxy?.name !== name) {
          throw new LabFault('DBProxyNotFoundFault', `DB proxy ${name} not found.`, 404);
        }
        return { DBProxies: proxy ? [this.dbProxy(proxy)] : [] };
      }
      case 'DescribeDBProxyTargets': {
        const proxy = this.proxy();
        const name = this.required(p, 'DBProxyName');
        if (proxy?.name !== name)
          throw new LabFault('DBProxyNotFoundFault', `DB proxy ${name} not found.`, 404);
        return { Targets: this.proxyTargets() };
      }
      default:
        throw new LabFault('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  }

  private required(p: URLSearchParams, name: string): string {
    const v = p.get(name);
    if (v === null || v === '') {
      throw new LabFault('MissingParameter', `The request must contain the parameter ${name}`);
    }
    return v;
  }

  private clusterMatches(idOrArn: string): boolean {
    return idOrArn === this.names.clusterId || idOrArn === this.clusterArn;
  }

  private requireCluster(id: string): void {
    if (!this.clusterMatches(id))
      throw new LabFault('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
  }

  /** Values of `Filters.Filter.N.Name = name`, or undefined when that filter is absent. */
  private filterValues(p: URLSearchParams, name: string): string[] | undefined {
    for (let n = 1; p.has(`Filters.Filter.${n}.Name`); n++) {
      if (p.get(`Filters.Filter.${n}.Name`) === name) return queryList(p, `Filters.Filter.${n}.Values`);
    }
    return undefined;
  }

  private get clusterArn(): string {
    return `arn:aws:rds:${this.names.region}:${account}:cluster:${this.names.clusterId}`;
  }

  private get engineVersion(): string {
    return `8.0.mysql_aurora.${this.cluster.auroraVersion}`;
  }

  private dbCluster(): Record<string, XmlValue> {
    const c = this.cluster;
    return {
      DBClusterIdentifier: this.names.clusterId,
      DBClusterArn: this.clusterArn,
      Status: c.status,
      Engine: 'aurora-mysql',
      EngineVersion: this.engineVersion,
      Endpoint: this.names.clusterEndpoint,
      ReaderEndpoint: this.names.readerEndpoint,
      Port: c.frontPort,
      MasterUsername: c.options.user,
      MultiAZ: c.instances.length > 1,
      AvailabilityZones: [...new Set(c.instances.map((i) => i.availabilityZone))],
      DbClusterResourceId: `cluster-${this.names.suffix.toUpperCase()}`,
      DBClusterMembers: c.instances.map((i) => ({
        DBInstanceIdentifier: i.id,
        IsClusterWriter: i.role === 'writer',
        DBClusterParameterGroupStatus: 'in-sync',
        PromotionTier: 1,
      })),
    };
  }

  private dbInstance(i: LabInstance): Record<string, XmlValue> {
    return {
      DBInstanceIdentifier: i.id,
      DBInstanceArn: `arn:aws:rds:${this.names.region}:${account}:db:${i.id}`,
      DBInstanceClass: 'db.r6g.large',
      Engine: 'aurora-mysql',
      EngineVersion: this.engineVersion,
      DBInstanceStatus: i.status === 'available' ? 'available' : 'rebooting',
      MasterUsername: this.cluster.options.user,
      Endpoint: { Address: this.names.instanceHost(i.id), Port: this.cluster.frontPort },
      AvailabilityZone: i.availabilityZone,
      DBClusterIdentifier: this.names.clusterId,
      PromotionTier: 1,
      PubliclyAccessible: false,
    };
  }

  private events(p: URLSearchParams): ClusterEvent[] {
    const sourceId = p.get('SourceIdentifier');
    const sourceType = p.get('SourceType');
    if (sourceId !== null && sourceType === null) {
      throw new LabFault(
        'InvalidParameterCombination',
        'Cannot specify source identifier without source type',
      );
    }
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

  private event(e: ClusterEvent): Record<string, XmlValue> {
    const kind = e.sourceType === 'db-cluster' ? 'cluster' : 'db';
    return {
      SourceIdentifier: e.sourceIdentifier,
      SourceType: e.sourceType,
      Message: e.message,
      EventCategories: e.eventCategories,
      Date: e.date,
      SourceArn: `arn:aws:rds:${this.names.region}:${account}:${kind}:${e.sourceIdentifier}`,
    };
  }

  private dbProxy(proxy: ProxyView): Record<string, XmlValue> {
    return {
      DBProxyName: proxy.name,
      DBProxyArn: `arn:aws:rds:${this.names.region}:${account}:db-proxy:prx-${this.names.suffix}`,
      Status: proxy.status,
      EngineFamily: 'MYSQL',
      Endpoint: proxy.endpoint,
      RequireTLS: false,
      IdleClientTimeout: 1800,
      DebugLogging: false,
    };
  }

  private proxyTargets(): XmlValue[] {
    const c = this.cluster;
    return [
      { Type: 'TRACKED_CLUSTER', RdsResourceId: this.names.clusterId, TargetArn: this.clusterArn },
      ...c.instances.map((i) => ({
        Type: 'RDS_INSTANCE',
        RdsResourceId: i.id,
        Endpoint: this.names.instanceHost(i.id),
        Port: c.frontPort,
        Role: i.role === 'writer' ? 'READ_WRITE' : 'READ_ONLY',
        TargetHealth: { State: i.accepting ? 'AVAILABLE' : 'UNAVAILABLE' },
      })),
    ];
  }
}
