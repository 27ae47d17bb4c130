import { Arn, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { acknowledgeNag } from './compliance';
import {
  apiEnvironment,
  ingestEnvironment,
  migrateEnvironment,
  writerEnvironment,
  type ZonetrailConfig,
} from './config';
import type { Database } from './database';
import type { Network } from './network';
import type { Queues } from './queues';
import { zonetrailFunction } from './rust-function';

/** A sweep paces itself and continues a zone through the sweep queue before this runs out. */
export const INGEST_TIMEOUT = Duration.minutes(10);
/** One batch of up to ten messages, each applied in one transaction. */
export const WRITER_TIMEOUT = Duration.seconds(60);
/**
 * The findings evaluator: a batch of up to ten messages of findings work, or the evaluation of
 * every live record (about 60 s for a million records).
 */
export const FINDINGS_EVALUATOR_TIMEOUT = Duration.minutes(5);
/**
 * Findings evaluator instances that the findings queue runs at once (the event source mapping's
 * floor); each holds up to `LAMBDA_DB_POOL_SIZE` connections, like a writer instance.
 */
export const FINDINGS_EVALUATOR_MAX_CONCURRENCY = 2;
/** Below API Gateway's 30-second integration limit. */
export const API_TIMEOUT = Duration.seconds(25);
export const MIGRATE_TIMEOUT = Duration.minutes(5);

/**
 * Connections each writer, findings evaluator or api instance keeps in its pool (through the
 * proxy). The queue consumers are bounded by their mappings' maximum concurrency: at most
 * `writerMaxConcurrency` × this for the writer, `FINDINGS_EVALUATOR_MAX_CONCURRENCY` × this for
 * the findings evaluator (plus its scheduled evaluation of every record).
 */
export const LAMBDA_DB_POOL_SIZE = 2;

/**
 * The Route 53 reads a sweep needs. ListHostedZones has no resource type in IAM, so it can
 * only be granted on `*`; the others are limited to hosted zones, and a sweep reads every
 * zone of the account by design.
 */
export const ROUTE53_READ_ACTIONS = {
  anyResource: ['route53:ListHostedZones'],
  hostedZones: ['route53:GetHostedZone', 'route53:ListResourceRecordSets'],
} as const;

/**
 * The CloudTrail read a backfill needs: the event history of the last 90 days. LookupEvents
 * has no resource type in IAM, so it can only be granted on `*`; it reads, nothing more.
 */
export const CLOUDTRAIL_READ_ACTIONS = ['cloudtrail:LookupEvents'] as const;

/** What the deploy-time backfill sends the ingest (docs/contracts.md, "Backfill"). */
export function backfillPayload(since: string): { backfill: { since: string } } {
  return { backfill: { since } };
}

/** The deploy-time backfill's helper: where it finds the function to invoke and what to send. */
export const BACKFILL_HELPER_ENV = {
  functionName: 'INGEST_FUNCTION_NAME',
  payload: 'BACKFILL_PAYLOAD',
} as const;

/** One asynchronous invoke; the trigger waits for it up to its own 2 minutes. */
export const BACKFILL_HELPER_TIMEOUT = Duration.seconds(30);

/**
 * The helper's code (Node.js, the AWS SDK v3 the runtime provides). It fails, and so fails the
 * deploy, only when Lambda refuses the invocation; what the ingest then does is the ingest's.
 */
export const BACKFILL_HELPER_CODE = `const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
const lambda = new LambdaClient({});
exports.handler = async () => {
  const functionName = process.env.${BACKFILL_HELPER_ENV.functionName};
  const payload = process.env.${BACKFILL_HELPER_ENV.payload};
  if (!functionName || !payload) {
    throw new Error('${BACKFILL_HELPER_ENV.functionName} and ${BACKFILL_HELPER_ENV.payload} must be set');
  }
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(payload),
    }),
  );
  if (out.StatusCode !== 202) {
    throw new Error(\`invoking \${functionName} asynchronously answered \${out.StatusCode}, expected 202\`);
  }
  console.log(JSON.stringify({ message: 'backfill started', functionName, payload: JSON.parse(payload) }));
  return { statusCode: out.StatusCode };
};
`;

export interface BackfillOnDeployProps {
  /** How far back to read: `90d`, or an RFC 3339 time. */
  readonly since: string;
  /**
   * What must exist first: the sweep schedule and the sweep queue's event source mapping (the
   * backfill tasks run from that queue). The migration trigger is always added.
   */
  readonly after: Construct[];
  readonly logRetentionDays: number;
}

export interface FunctionsProps {
  readonly config: ZonetrailConfig;
  readonly network: Network;
  readonly queues: Queues;
  readonly database: Database;
  /** The dashboard's origin, for the api's CORS answer. */
  readonly corsOrigin: string;
}

/**
 * The four Rust Lambdas of docs/contracts.md, each with its environment and the permissions it
 * uses: ingest (outside the VPC: Route 53 and CloudTrail reads, queue sends, the writer's
 * backfill windows), writer, api and migrate (in the VPC: the database secret and the database
 * port); and, with the findings queue (findings on), the findings evaluator: the writer's
 * binary, in the VPC like it, consuming that queue. What findings add to the writer and the
 * evaluator is in lib/findings.ts.
 */
export class Functions extends Construct {
  readonly ingest: lambda.Function;
  readonly writer: lambda.Function;
  readonly api: lambda.Function;
  readonly migrate: lambda.Function;
  /** With findings on: `writer-lambda` as `ZONETRAIL_FINDINGS=evaluator` (lib/findings.ts). */
  readonly findingsEvaluator?: lambda.Function;
  readonly migrateTrigger: triggers.Trigger;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { config, network, queues, database } = props;
    const common = { code: config.lambdaCode, logRetentionDays: config.logRetentionDays };
    const inVpc = { vpc: network.vpc, vpcSubnets: network.isolatedSubnets };

    const writerEnv = writerEnvironment({
      db: database.environment,
      maxConnections: LAMBDA_DB_POOL_SIZE,
      accountId: Aws.ACCOUNT_ID,
      rustLog: config.rustLog,
    });

    // The writer first: the ingest's environment names it.
    this.writer = zonetrailFunction(this, 'Writer', {
      ...common,
      ...inVpc,
      binaryName: 'writer-lambda',
      description: 'zonetrail writer: applies queued batches to Aurora',
      environment: writerEnv,
      timeout: WRITER_TIMEOUT,
      memorySize: 512,
    });
    database.grantClient(this.writer);
    this.writer.addEventSource(
      new SqsEventSource(queues.records, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(5),
        reportBatchItemFailures: true,
        // Caps writer instances, and so database connections: this many times the pool size.
        maxConcurrency: config.writerMaxConcurrency,
      }),
    );

    if (queues.findings) {
      this.findingsEvaluator = zonetrailFunction(this, 'FindingsEvaluator', {
        ...common,
        ...inVpc,
        binaryName: 'writer-lambda',
        description:
          'zonetrail findings: evaluates the records each writer batch changed, and every record after each resource sweep',
        environment: writerEnv,
        timeout: FINDINGS_EVALUATOR_TIMEOUT,
        memorySize: 512,
      });
      database.grantClient(this.findingsEvaluator);
      this.findingsEvaluator.addEventSource(
        new SqsEventSource(queues.findings, {
          batchSize: 10,
          // A message is a whole writer batch's work: evaluate it as soon as it arrives.
          maxBatchingWindow: Duration.seconds(0),
          // A malformed body fails alone, and reaches the DLQ.
          reportBatchItemFailures: true,
          maxConcurrency: FINDINGS_EVALUATOR_MAX_CONCURRENCY,
        }),
      );
    }

    this.ingest = zonetrailFunction(this, 'Ingest', {
      ...common,
      binaryName: 'ingest-lambda',
      description:
        'zonetrail ingest: Route 53 sweeps, CloudTrail change events and backfills onto the records queue',
      environment: ingestEnvironment({
        queueUrl: queues.records.queueUrl,
        sweepQueueUrl: queues.sweep.queueUrl,
        route53Rps: config.route53Rps,
        cloudtrailRps: config.cloudtrailRps,
        writerFunction: this.writer.functionName,
        organizations: config.organizations,
        rustLog: config.rustLog,
      }),
      timeout: INGEST_TIMEOUT,
      memorySize: 256,
    });
    this.grantRoute53Read(this.ingest);
    this.grantCloudTrailRead(this.ingest);
    this.grantInvokeWriter(this.ingest);
    queues.records.grantSendMessages(this.ingest);
    queues.sweep.grantSendMessages(this.ingest);

    this.api = zonetrailFunction(this, 'Api', {
      ...common,
      ...inVpc,
      binaryName: 'api-lambda',
      description:
        'zonetrail API: the inventory, and annotations by editors (axum behind API Gateway)',
      environment: apiEnvironment({
        db: database.environment,
        maxConnections: LAMBDA_DB_POOL_SIZE,
        corsOrigin: props.corsOrigin,
        editor: config.editor,
        rustLog: config.rustLog,
      }),
      timeout: API_TIMEOUT,
      memorySize: 512,
    });
    database.grantClient(this.api);

    this.migrate = zonetrailFunction(this, 'Migrate', {
      ...common,
      ...inVpc,
      binaryName: 'migrate-lambda',
      description: 'zonetrail schema migrations, run at deploy',
      environment: migrateEnvironment({
        db: database.environment,
        accountId: Aws.ACCOUNT_ID,
        rustLog: config.rustLog,
      }),
      timeout: MIGRATE_TIMEOUT,
      memorySize: 256,
    });
    database.grantClient(this.migrate);

    // Runs the migrations when the migrate code changes, after the database, the proxy, the
    // endpoint and every security-group rule that lets migrate reach them exist (its own
    // egress rules are separate resources under its security group).
    this.migrateTrigger = new triggers.Trigger(this, 'MigrateOnDeploy', {
      handler: this.migrate,
      executeAfter: [database, network, ...this.migrate.connections.securityGroups],
      executeOnHandlerChange: true,
      invocationType: triggers.InvocationType.REQUEST_RESPONSE,
      timeout: MIGRATE_TIMEOUT,
    });

    const inVpcFunctions = [this.writer, this.api, this.migrate];
    if (this.findingsEvaluator) inVpcFunctions.push(this.findingsEvaluator);
    for (const fn of [this.ingest, ...inVpcFunctions]) {
      acknowledgeNag(fn, {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'The AWS-managed basic execution policy only lets the function write its own CloudWatch logs.',
      });
    }
    for (const fn of inVpcFunctions) {
      acknowledgeNag(fn, {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'The AWS-managed VPC access policy only manages the network interfaces Lambda needs to place the function in the VPC.',
      });
    }
  }

  /**
   * Runs the first backfill once, when this is created (not on later deploys): a trigger, like
   * the migrations, after the migrations, the sweep schedule and the sweep queue's mapping
   * exist (`after`). A trigger invokes its handler with no payload, and the ingest needs one
   * (`{"backfill": {"since": ...}}`) to tell a backfill from a sweep, so the trigger's handler
   * is a small function of its own that invokes the ingest with that payload, both taken from
   * its environment ({@link BACKFILL_HELPER_ENV}).
   *
   * It invokes the ingest asynchronously (`Event`): the ingest only puts one backfill task per
   * account on the sweep queue and returns, the deploy does not wait for 90 days of history,
   * and a failed backfill shows in the ingest's errors alarm and logs instead of rolling back
   * the install. Only a refused invocation fails the deploy. `executeOnHandlerChange: false`:
   * once, on create; an operator runs it again by hand (docs/deploy.md, "Backfill").
   */
  addBackfillOnDeploy(props: BackfillOnDeployProps): triggers.TriggerFunction {
    const logGroup = new logs.LogGroup(this, 'BackfillOnDeployLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const backfill = new triggers.TriggerFunction(this, 'BackfillOnDeploy', {
      description: 'zonetrail: starts the first backfill at deploy (invokes ingest once)',
      // The latest Node.js (cdk-nag's AwsSolutions-L1); every Node.js runtime since 18 has SDK v3.
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(BACKFILL_HELPER_CODE),
      environment: {
        [BACKFILL_HELPER_ENV.functionName]: this.ingest.functionName,
        [BACKFILL_HELPER_ENV.payload]: JSON.stringify(backfillPayload(props.since)),
      },
      timeout: BACKFILL_HELPER_TIMEOUT,
      memorySize: 128,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      executeAfter: [this.migrateTrigger, ...props.after],
      executeOnHandlerChange: false,
    });
    // The unqualified ingest only: no `:*` of versions and aliases as `grantInvoke` would add.
    backfill.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'InvokeIngestForBackfill',
        actions: ['lambda:InvokeFunction'],
        resources: [this.ingest.functionArn],
      }),
    );
    acknowledgeNag(backfill, {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'The AWS-managed basic execution policy only lets the function write its own CloudWatch logs.',
    });
    return backfill;
  }

  /** LookupEvents, for the backfill (the member role grants the same in other accounts). */
  private grantCloudTrailRead(fn: lambda.Function): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'CloudTrailLookupEvents',
        actions: [...CLOUDTRAIL_READ_ACTIONS],
        resources: ['*'],
      }),
    );
  }

  /**
   * The ingest asks the writer for the stored backfill windows (a synchronous invoke of the
   * function itself, by name). Only the unqualified function, so no `:*` of versions and
   * aliases as `grantInvoke` would add.
   */
  private grantInvokeWriter(fn: lambda.Function): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'InvokeWriterForBackfillWindows',
        actions: ['lambda:InvokeFunction'],
        resources: [this.writer.functionArn],
      }),
    );
  }

  private grantRoute53Read(fn: lambda.Function): void {
    const hostedZones = Arn.format(
      { service: 'route53', region: '', account: '', resource: 'hostedzone', resourceName: '*' },
      Stack.of(this),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'Route53ListZones',
        actions: [...ROUTE53_READ_ACTIONS.anyResource],
        resources: ['*'],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'Route53ReadZones',
        actions: [...ROUTE53_READ_ACTIONS.hostedZones],
        resources: [hostedZones],
      }),
    );
    acknowledgeNag(
      fn,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'route53:ListHostedZones and cloudtrail:LookupEvents have no resource type in IAM: they can only be granted on "*". One lists zones, the other reads the event history for the backfill; both only read.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${hostedZones}]`,
        reason:
          'A sweep reads every hosted zone of the account by design; the grant is read-only and limited to hosted zones.',
      },
    );
  }
}
