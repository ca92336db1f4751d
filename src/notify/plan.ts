import type { AwsTarget } from '../aws/clients.js';
import { apiIsLocal } from '../aws/endpoint.js';
import { quote, usageError } from '../core/errors.js';
import {
  type Endpoint,
  parseClusterId,
  parseEmail,
  parseEndpointUrl,
  parseHttpsEndpoint,
  parseRegion,
  parseSqsEndpoint,
  parseSubscriptionName,
  parseTopic,
  type TopicRef,
} from './inputs.js';

export type NotifyCommand = 'setup' | 'status' | 'teardown';

/** The options commander hands over, as typed strings. */
export interface NotifyOptions {
  topic: string;
  subscription?: string;
  email?: string[];
  https?: string[];
  sqs?: string[];
  cluster?: string;
  memorydb?: string;
  keepTopic?: boolean;
  printPolicy?: boolean;
  dryRun?: boolean;
  json?: boolean;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  /** `--lab-state-dir` alone (true) means the default lab. */
  labStateDir?: string | boolean;
  color: boolean;
}

/** The running lab a plan points at (read by the CLI from the lab's state dir). */
export interface LabTarget {
  stateDir: string;
  apiEndpoint: string;
  region: string;
  clusterId: string;
}

/** A notify command, fully validated: nothing after this fails because of what the user typed. */
export interface NotifyPlan {
  command: NotifyCommand;
  topic: TopicRef;
  subscriptionName: string;
  endpoints: Endpoint[];
  cluster: string | undefined;
  memorydb: string | undefined;
  region: string | undefined;
  target: AwsTarget;
  /** The API is on this machine (a lab, or --endpoint-url on loopback): loopback listeners can be subscribed. */
  apiIsLocal: boolean;
  lab: LabTarget | undefined;
  keepTopic: boolean;
  printPolicy: boolean;
  dryRun: boolean;
  json: boolean;
  color: boolean;
}

export function planNotify(
  command: NotifyCommand,
  o: NotifyOptions,
  env: NodeJS.ProcessEnv = process.env,
  lab?: LabTarget,
): NotifyPlan {
  if (lab && o.endpointUrl) {
    throw usageError('--lab-state-dir points at a lab, --endpoint-url at another API: pick one');
  }
  const region =
    o.region !== undefined
      ? parseRegion(o.region)
      : (lab?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION);
  const endpoint = o.endpointUrl !== undefined ? parseEndpointUrl(o.endpointUrl) : lab?.apiEndpoint;
  // SNS is what delivers to a loopback listener, so SNS's endpoint decides.
  const local = apiIsLocal('SNS', endpoint, env);
  const topic = parseTopic(o.topic, region);
  const subscriptionName = parseSubscriptionName(o.subscription ?? topic.name);
  const endpoints: Endpoint[] = [
    ...(o.email ?? []).map(parseEmail),
    ...(o.https ?? []).map((u) => parseHttpsEndpoint(u, local)),
    ...(o.sqs ?? []).map(parseSqsEndpoint),
  ];
  if (command === 'status' && endpoints.length > 0) {
    throw usageError(
      'notify status lists every subscription of the topic: it takes no --email, --https or --sqs',
    );
  }
  const memorydb = o.memorydb !== undefined ? parseMemoryDbName(o.memorydb) : undefined;
  const cluster =
    o.cluster !== undefined
      ? parseClusterId(o.cluster, '--cluster')
      : memorydb === undefined
        ? lab?.clusterId
        : undefined;
  if (command === 'setup' && !o.printPolicy && cluster === undefined && memorydb === undefined) {
    throw usageError(
      "notify setup needs the source of the events: --cluster ID (Aurora), --memorydb NAME, or --lab-state-dir for the lab's cluster",
    );
  }
  if (o.keepTopic && command !== 'teardown') throw usageError('--keep-topic is for notify teardown');
  return {
    command,
    topic,
    subscriptionName,
    endpoints,
    cluster,
    memorydb,
    region,
    target: {
      ...(region ? { region } : {}),
      ...(o.profile ? { profile: o.profile } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(lab ? { credentials: { accessKeyId: 'lab', secretAccessKey: 'lab' } } : {}),
    },
    apiIsLocal: local,
    lab,
    keepTopic: o.keepTopic === true,
    printPolicy: o.printPolicy === true,
    dryRun: o.dryRun === true,
    json: o.json === true,
    color: o.color,
  };
}

/** MemoryDB cluster names: 1-40 lowercase letters, digits and hyphens, a letter first. */
function parseMemoryDbName(text: string): string {
  if (!/^[a-zA-Z](?:[a-zA-Z0-9]|-(?!-)){0,39}$/.test(text) || text.endsWith('-')) {
    throw usageError(
      `--memorydb ${quote(text)} is not a MemoryDB cluster name (letters, digits and single hyphens)`,
    );
  }
  return text;
}
