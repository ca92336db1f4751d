import { createHash } from 'node:crypto';
import type { AuroraLabCluster, ClusterEvent, LabInstance } from '../aurora/cluster.js';
import type { XmlValue } from './xml.js';

export const account = '000000000000';

/** The master user secret RDS keeps in Secrets Manager when it manages the password (the lab's always). */
export interface MasterUserSecretView {
  arn: string;
  kmsKeyId: string;
}

export interface ProxyView {
  name: string;
  endpoint: string;
  status: 'available';
}

/** The lab's one instance class: Aurora's promotion order compares sizes, the lab's are all this one. */
const instanceClass = 'db.r6g.large';
const parameterGroup = 'default.aurora-mysql8.0';
const caCertificate = 'rds-ca-rsa2048-g1';
/** Route 53's zone for RDS endpoints in us-east-1; other regions get a lab-made id of the same shape. */
const rdsHostedZones: Record<string, string> = { 'us-east-1': 'Z2R2ITUGPM61AM' };

/** Stable made-up identifiers (resource ids, VPC, subnets): the same lab names give the same ones. */
export function madeUp(seed: string, length: number, alphabet: 'hex' | 'base32'): string {
  const digest = createHash('sha256').update(seed).digest();
  if (alphabet === 'hex') return digest.toString('hex').slice(0, length);
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return Array.from(digest.subarray(0, length), (b) => letters[b % 32]).join('');
}

/**
 * The lab's cluster, instances, proxy, endpoints and events as RDS's DescribeX calls return them: the fields the
 * service model defines that tools and scripts read, filled with what the lab is (or, for what it has no such
 * thing as — VPC, subnets, parameter groups — RDS's defaults and stable made-up ids).
 */
export class RdsViews {
  constructor(
    private readonly cluster: AuroraLabCluster,
    private readonly masterUserSecret?: MasterUserSecretView,
  ) {}

  private get names() {
    return this.cluster.options.names;
  }

  arn(kind: 'cluster' | 'db' | 'db-proxy' | 'cluster-endpoint', id: string): string {
    return `arn:aws:rds:${this.names.region}:${account}:${kind}:${id}`;
  }

  get clusterArn(): string {
    return this.arn('cluster', this.names.clusterId);
  }

  get clusterResourceId(): string {
    return `cluster-${madeUp(`cluster:${this.names.suffix}:${this.names.clusterId}`, 26, 'base32')}`;
  }

  instanceResourceId(i: LabInstance): string {
    return `db-${madeUp(`db:${this.names.suffix}:${i.id}`, 26, 'base32')}`;
  }

  private get hostedZoneId(): string {
    return rdsHostedZones[this.names.region] ?? `Z${madeUp(`zone:${this.names.region}`, 13, 'base32')}`;
  }

  private get vpcId(): string {
    return `vpc-${madeUp(`vpc:${this.names.suffix}`, 17, 'hex')}`;
  }

  private get securityGroups(): XmlValue[] {
    return [{ VpcSecurityGroupId: `sg-${madeUp(`sg:${this.names.suffix}`, 17, 'hex')}`, Status: 'active' }];
  }

  private get zones(): string[] {
    return [...new Set(this.cluster.instances.map((i) => i.availabilityZone))].sort();
  }

  private subnetId(zone: string): string {
    return `subnet-${madeUp(`subnet:${this.names.suffix}:${zone}`, 17, 'hex')}`;
  }

  private get engineVersion(): string {
    return `8.0.mysql_aurora.${this.cluster.auroraVersion}`;
  }

  dbCluster(): Record<string, XmlValue> {
    const c = this.cluster;
    return {
      AllocatedStorage: 1,
      AvailabilityZones: this.zones,
      BackupRetentionPeriod: 1,
      DBClusterIdentifier: this.names.clusterId,
      DBClusterParameterGroup: parameterGroup,
      DBSubnetGroup: 'default',
      Status: c.status,
      EarliestRestorableTime: c.createdAt,
      Endpoint: this.names.clusterEndpoint,
      ReaderEndpoint: this.names.readerEndpoint,
      CustomEndpoints: [],
      MultiAZ: c.instances.length > 1,
      Engine: 'aurora-mysql',
      EngineVersion: this.engineVersion,
      LatestRestorableTime: new Date(),
      Port: c.frontPort,
      MasterUsername: c.options.user,
      ...(this.masterUserSecret
        ? {
            MasterUserSecret: {
              SecretArn: this.masterUserSecret.arn,
              SecretStatus: 'active',
              KmsKeyId: this.masterUserSecret.kmsKeyId,
            },
          }
        : {}),
      DBClusterOptionGroupMemberships: [],
      PreferredBackupWindow: '07:00-07:30',
      PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
      ReadReplicaIdentifiers: [],
      DBClusterMembers: c.instances.map((i) => ({
        DBInstanceIdentifier: i.id,
        IsClusterWriter: i.role === 'writer',
        DBClusterParameterGroupStatus: 'in-sync',
        PromotionTier: i.promotionTier,
      })),
      VpcSecurityGroups: this.securityGroups,
      HostedZoneId: this.hostedZoneId,
      StorageEncrypted: false,
      DbClusterResourceId: this.clusterResourceId,
      DBClusterArn: this.clusterArn,
      AssociatedRoles: [],
      IAMDatabaseAuthenticationEnabled: true,
      ClusterCreateTime: c.createdAt,
      EngineMode: 'provisioned',
      DeletionProtection: false,
      HttpEndpointEnabled: false,
      CopyTagsToSnapshot: false,
      CrossAccountClone: false,
      DomainMemberships: [],
      TagList: [],
      StorageType: 'aurora',
      AutoMinorVersionUpgrade: true,
      NetworkType: 'IPV4',
    };
  }

  dbInstance(i: LabInstance): Record<string, XmlValue> {
    const c = this.cluster;
    return {
      DBInstanceIdentifier: i.id,
      DBInstanceClass: instanceClass,
      Engine: 'aurora-mysql',
      DBInstanceStatus: i.status === 'available' ? 'available' : 'rebooting',
      MasterUsername: c.options.user,
      Endpoint: {
        Address: this.names.instanceHost(i.id),
        Port: c.frontPort,
        HostedZoneId: this.hostedZoneId,
      },
      AllocatedStorage: 1,
      InstanceCreateTime: i.createdAt,
      PreferredBackupWindow: '07:00-07:30',
      BackupRetentionPeriod: 1,
      DBSecurityGroups: [],
      VpcSecurityGroups: this.securityGroups,
      DBParameterGroups: [{ DBParameterGroupName: parameterGroup, ParameterApplyStatus: 'in-sync' }],
      AvailabilityZone: i.availabilityZone,
      DBSubnetGroup: {
        DBSubnetGroupName: 'default',
        DBSubnetGroupDescription: 'default',
        VpcId: this.vpcId,
        SubnetGroupStatus: 'Complete',
        Subnets: this.zones.map((zone) => ({
          SubnetIdentifier: this.subnetId(zone),
          SubnetAvailabilityZone: { Name: zone },
          SubnetStatus: 'Active',
        })),
      },
      PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
      PendingModifiedValues: {},
      MultiAZ: false,
      EngineVersion: this.engineVersion,
      AutoMinorVersionUpgrade: true,
      ReadReplicaDBInstanceIdentifiers: [],
      LicenseModel: 'general-public-license',
      OptionGroupMemberships: [{ OptionGroupName: 'default:aurora-mysql-8-0', Status: 'in-sync' }],
      PubliclyAccessible: false,
      StorageType: 'aurora',
      DbInstancePort: 0,
      DBClusterIdentifier: this.names.clusterId,
      StorageEncrypted: false,
      DbiResourceId: this.instanceResourceId(i),
      CACertificateIdentifier: caCertificate,
      DomainMemberships: [],
      CopyTagsToSnapshot: false,
      MonitoringInterval: 0,
      PromotionTier: i.promotionTier,
      DBInstanceArn: this.arn('db', i.id),
      IAMDatabaseAuthenticationEnabled: true,
      PerformanceInsightsEnabled: false,
      DeletionProtection: false,
      TagList: [],
      NetworkType: 'IPV4',
      CertificateDetails: {
        CAIdentifier: caCertificate,
        ValidTill: new Date(i.createdAt.getTime() + 365 * 24 * 3600_000),
      },
    };
  }

  /** The cluster's built-in endpoints, as RDS lists them: no identifier, only a type (the lab has no custom ones). */
  clusterEndpoints(): Record<string, XmlValue>[] {
    return [
      { type: 'WRITER', endpoint: this.names.clusterEndpoint },
      { type: 'READER', endpoint: this.names.readerEndpoint },
    ].map((e) => ({
      DBClusterIdentifier: this.names.clusterId,
      Endpoint: e.endpoint,
      Status: 'available',
      EndpointType: e.type,
    }));
  }

  event(e: ClusterEvent): Record<string, XmlValue> {
    return {
      SourceIdentifier: e.sourceIdentifier,
      SourceType: e.sourceType,
      Message: e.message,
      EventCategories: e.eventCategories,
      Date: e.date,
      SourceArn: this.arn(e.sourceType === 'db-cluster' ? 'cluster' : 'db', e.sourceIdentifier),
    };
  }

  dbProxy(proxy: ProxyView): Record<string, XmlValue> {
    const suffix = this.names.suffix;
    return {
      DBProxyName: proxy.name,
      DBProxyArn: this.arn('db-proxy', `prx-${suffix}`),
      Status: proxy.status,
      EngineFamily: 'MYSQL',
      VpcId: this.vpcId,
      VpcSecurityGroupIds: this.securityGroups.map(
        (g) => (g as { VpcSecurityGroupId: string }).VpcSecurityGroupId,
      ),
      VpcSubnetIds: this.zones.map((zone) => this.subnetId(zone)),
      // The proxy checks the master user's password itself: a Secrets Manager secret on RDS.
      Auth: [
        {
          Description: `${this.cluster.options.user}'s password`,
          AuthScheme: 'SECRETS',
          SecretArn: `arn:aws:secretsmanager:${this.names.region}:${account}:secret:${proxy.name}-${this.cluster.options.user}-${madeUp(`secret:${suffix}`, 6, 'base32')}`,
          IAMAuth: 'DISABLED',
          ClientPasswordAuthType: 'MYSQL_NATIVE_PASSWORD',
        },
      ],
      RoleArn: `arn:aws:iam::${account}:role/service-role/rds-proxy-role-${proxy.name}`,
      Endpoint: proxy.endpoint,
      // One setting in the lab: --require-tls stands for the proxy's RequireTLS and the instances' own.
      RequireTLS: this.cluster.options.requireTls === true,
      IdleClientTimeout: 1800,
      DebugLogging: false,
      CreatedDate: this.cluster.createdAt,
      UpdatedDate: this.cluster.createdAt,
    };
  }

  proxyTargets(): XmlValue[] {
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
