import { apiIsLocal } from '../../aws/endpoint.js';
import { usageError } from '../../core/errors.js';
import { endpointMembership } from '../preflight.js';
import type { AuroraRun, AwsCluster } from '../run.js';

/**
 * What every RDS trigger checks first: the cluster is known and available, the endpoint is one of its own (an IP
 * or a custom name cannot be told, and gets a note), and a failover has a reader to promote.
 */
export async function checkedCluster(run: AuroraRun, failsOver: boolean): Promise<AwsCluster> {
  const aws = await run.cluster();
  const { endpoint, history } = run;
  if (!aws)
    throw usageError(`could not tell which DB cluster ${endpoint.host} belongs to: name it with --cluster`);
  const { cluster } = aws;
  if (cluster.status !== 'available') {
    throw usageError(
      `cluster ${cluster.id} is ${cluster.status}, not available: wait for it, then drill again`,
    );
  }
  if (failsOver && cluster.readers.length === 0) {
    throw usageError(
      `cluster ${cluster.id} has no reader: a failover would only restart the writer ${cluster.writer}`,
    );
  }
  const { refuse, note } = endpointMembership(endpoint.host, cluster);
  if (refuse) throw usageError(refuse);
  if (note) history.note(note, 'warn');
  return aws;
}

/** Whether the RDS calls of this run go to a lab (an API on loopback) rather than to AWS itself. */
export function rdsIsLab(run: AuroraRun): boolean {
  return apiIsLocal('RDS', run.plan.aws.endpoint);
}
