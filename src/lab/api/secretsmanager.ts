import { LabFault } from './fault.js';
import { answerJson, type Json } from './json.js';
import { account, madeUp } from './rds-views.js';

/** awsJson1_1 targets of Secrets Manager: `secretsmanager.<Operation>`. */
export const secretsManagerTargetPrefix = 'secretsmanager.';

/** What the lab keeps in Secrets Manager: its cluster's master user secret, as RDS manages it. */
export interface LabSecret {
  region: string;
  clusterId: string;
  username: string;
  password: () => string;
  createdAt: Date;
}

/** A stable made-up id in the shape of a UUID (8-4-4-4-12 hex digits), as secret names, versions and keys have. */
const madeUpUuid = (seed: string): string =>
  madeUp(seed, 32, 'hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');

/**
 * Secrets Manager in its real protocol (awsJson1_1: POST, `X-Amz-Target: secretsmanager.GetSecretValue`), for
 * the one secret the lab has: the master user secret RDS makes when it manages the password (`rds!cluster-…`,
 * `{"username", "password"}`). It is found by name, full ARN or partial ARN (without the 6-character suffix).
 */
export class SecretsManagerApi {
  readonly name: string;
  readonly arn: string;
  /** The key the secret is encrypted with: Secrets Manager's default `aws/secretsmanager` key, a made-up id. */
  readonly kmsKeyId: string;
  private readonly versionId: string;

  constructor(private readonly secret: LabSecret) {
    const id = madeUpUuid(`secret:${secret.clusterId}`);
    this.name = `rds!cluster-${id}`;
    const partial = `arn:aws:secretsmanager:${secret.region}:${account}:secret:${this.name}`;
    this.arn = `${partial}-${madeUp(`secret-suffix:${id}`, 6, 'base32')}`;
    this.kmsKeyId = `arn:aws:kms:${secret.region}:${account}:key/${madeUpUuid(`secret-key:${secret.region}`)}`;
    this.versionId = madeUpUuid(`secret-version:${id}`);
  }

  targets(target: string): boolean {
    return target.startsWith(secretsManagerTargetPrefix);
  }

  handle(target: string, body: string): { status: number; body: string } {
    return answerJson(body, (input) => {
      if (target === `${secretsManagerTargetPrefix}GetSecretValue`) return this.getSecretValue(input);
      throw new LabFault('UnknownOperationException', `The lab does not serve ${target}.`);
    });
  }

  private getSecretValue(input: Json): Json {
    const id = input.SecretId;
    if (typeof id !== 'string' || id === '') {
      throw new LabFault(
        'ValidationException',
        "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
      );
    }
    const partialArn = this.arn.slice(0, -7);
    if (![this.name, this.arn, partialArn].includes(id)) {
      throw new LabFault('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    }
    const stage = input.VersionStage;
    if (
      (stage !== undefined && stage !== 'AWSCURRENT') ||
      (input.VersionId !== undefined && input.VersionId !== this.versionId)
    ) {
      throw new LabFault(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for staging label or version.",
      );
    }
    return {
      ARN: this.arn,
      Name: this.name,
      VersionId: this.versionId,
      SecretString: JSON.stringify({ username: this.secret.username, password: this.secret.password() }),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: this.secret.createdAt.getTime() / 1000,
    };
  }
}
