import { Arn, Aws, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
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
/** Below API Gateway's 30-second integration limit. */
export const API_TIMEOUT = Duration.seconds(25);
export const MIGRATE_TIMEOUT = Duration.minutes(5);

/** Connections each writer or api instance keeps in its pool (through the proxy). */
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
 * uses: ingest (outside the VPC: Route 53 reads, queue sends), writer, api and migrate (in the
 * VPC: the database secret and the database port).
 */
export class Functions extends Construct {
  readonly ingest: lambda.Function;
  readonly writer: lambda.Function;
  readonly api: lambda.Function;
  readonly migrate: lambda.Function;
  readonly migrateTrigger: triggers.Trigger;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { config, network, queues, database } = props;
    const common = { code: config.lambdaCode, logRetentionDays: config.logRetentionDays };
    const inVpc = { vpc: network.vpc, vpcSubnets: network.isolatedSubnets };

    this.ingest = zonetrailFunction(this, 'Ingest', {
      ...common,
      binaryName: 'ingest-lambda',
      description:
        'zonetrail ingest: Route 53 sweeps and CloudTrail change events onto the records queue',
      environment: ingestEnvironment({
        queueUrl: queues.records.queueUrl,
        sweepQueueUrl: queues.sweep.queueUrl,
        route53Rps: config.route53Rps,
        organizations: config.organizations,
        rustLog: config.rustLog,
      }),
      timeout: INGEST_TIMEOUT,
      memorySize: 256,
    });
    this.grantRoute53Read(this.ingest);
    queues.records.grantSendMessages(this.ingest);
    queues.sweep.grantSendMessages(this.ingest);

    this.writer = zonetrailFunction(this, 'Writer', {
      ...common,
      ...inVpc,
      binaryName: 'writer-lambda',
      description: 'zonetrail writer: applies queued batches to Aurora',
      environment: writerEnvironment({
        db: database.environment,
        maxConnections: LAMBDA_DB_POOL_SIZE,
        accountId: Aws.ACCOUNT_ID,
        rustLog: config.rustLog,
      }),
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

    this.api = zonetrailFunction(this, 'Api', {
      ...common,
      ...inVpc,
      binaryName: 'api-lambda',
      description: 'zonetrail read API (axum behind API Gateway)',
      environment: apiEnvironment({
        db: database.environment,
        maxConnections: LAMBDA_DB_POOL_SIZE,
        corsOrigin: props.corsOrigin,
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

    for (const fn of [this.ingest, this.writer, this.api, this.migrate]) {
      acknowledgeNag(fn, {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'The AWS-managed basic execution policy only lets the function write its own CloudWatch logs.',
      });
    }
    for (const fn of [this.writer, this.api, this.migrate]) {
      acknowledgeNag(fn, {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'The AWS-managed VPC access policy only manages the network interfaces Lambda needs to place the function in the VPC.',
      });
    }
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
          'route53:ListHostedZones has no resource type in IAM: it can only be granted on "*". It lists zones, nothing more.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${hostedZones}]`,
        reason:
          'A sweep reads every hosted zone of the account by design; the grant is read-only and limited to hosted zones.',
      },
    );
  }
}
