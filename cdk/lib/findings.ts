import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from './compliance';
import {
  evaluatorFindingsEnvironment,
  type FindingsConfig,
  ingestFindingsEnvironment,
  writerFindingsEnvironment,
} from './config';
import { IngestMetric } from './metrics';
import type { Network } from './network';
import { ingestMetric } from './operations';
import { addEnvironment } from './rust-function';

/** What the resource-sweep schedule sends ingest. */
export const RESOURCE_SWEEP_PAYLOAD = { resource_sweep: {} } as const;
/** What the findings schedule sends the findings evaluator: evaluate every live record. */
export const FINDINGS_PAYLOAD = { findings: {} } as const;

/**
 * The reads of the resource sweep (ingest/src/resources), in the ingest's own account and,
 * through the member role, in every other account. None of them has a resource type in IAM
 * that a listing could be narrowed to, so they are granted on `*`; all only read. A bucket's
 * region comes with `ListBuckets` (`BucketRegion`), so `s3:GetBucketLocation` is not needed.
 */
export const RESOURCE_READ_ACTIONS = [
  'ec2:DescribeRegions',
  'ec2:DescribeAddresses',
  'ec2:DescribeNetworkInterfaces',
  's3:ListAllMyBuckets',
  'cloudfront:ListDistributions',
  'elasticbeanstalk:DescribeEnvironments',
  'route53:ListHealthChecks',
] as const;

/**
 * The findings evaluator's one AWS call of findings: whether an Elastic Beanstalk CNAME prefix
 * is free (evidence of `dangling_elastic_beanstalk`). It has no resource type in IAM.
 */
export const EVALUATOR_FINDINGS_ACTIONS = ['elasticbeanstalk:CheckDNSAvailability'] as const;

/** How long after each resource sweep's start the findings evaluator evaluates everything. */
export const FINDINGS_OFFSET_MINUTES = 10;

/**
 * The two schedules as cron expressions at fixed minutes, so that the evaluation of every
 * record follows each resource sweep (a rate() schedule starts at deploy time and cannot be
 * offset): every `minutes` from minute 0, and the evaluation `FINDINGS_OFFSET_MINUTES` later
 * (half the interval when that is shorter).
 */
export function findingsSchedules(minutes: number): { sweep: string; evaluate: string } {
  if (minutes < 60) {
    if (60 % minutes !== 0) throw new Error(`${minutes} minutes does not divide an hour`);
    const offset = Math.min(FINDINGS_OFFSET_MINUTES, Math.floor(minutes / 2));
    return {
      sweep: `cron(0/${minutes} * * * ? *)`,
      evaluate: `cron(${offset}/${minutes} * * * ? *)`,
    };
  }
  const hours = minutes / 60;
  if (!Number.isInteger(hours) || 24 % hours !== 0) {
    throw new Error(`${minutes} minutes is not a whole number of hours that divides a day`);
  }
  const hour = hours === 1 ? '*' : `0/${hours}`;
  return {
    sweep: `cron(0 ${hour} * * ? *)`,
    evaluate: `cron(${FINDINGS_OFFSET_MINUTES} ${hour} * * ? *)`,
  };
}

export interface FindingsProps {
  readonly config: FindingsConfig;
  readonly ingest: lambda.Function;
  readonly writer: lambda.Function;
  /** The findings queue and its consumer, the findings evaluator: both with findings on only. */
  readonly queue?: sqs.IQueue;
  readonly evaluator?: lambda.Function;
  readonly network: Network;
  /** Where the alarm goes (the operations topic). */
  readonly alarmTopic: sns.ITopic;
}

/**
 * Findings (issue 20, docs/deploy.md "Findings"), the parts on the functions: the writer's
 * `ZONETRAIL_FINDINGS` (always: `off` when findings are off), and with findings on
 *
 * - ingest's `ZONETRAIL_IP_RANGES_URL` (and `ZONETRAIL_REGIONS`) and the resource reads;
 * - the writer in `queue` mode: it sends each batch's findings work to the findings queue
 *   (`SendMessage` on it alone, through an SQS interface endpoint open to it alone) instead of
 *   evaluating, so findings cost its throughput nothing;
 * - the findings evaluator (lib/functions.ts) in `evaluator` mode: it evaluates that work, and
 *   every live record on the evaluation schedule;
 * - the resource-sweep schedule (ingest, `{"resource_sweep": {}}`) and the evaluation
 *   schedule after it (the evaluator, `{"findings": {}}`);
 * - the evaluator's `CheckDNSAvailability`, and an Elastic Beanstalk interface endpoint open to
 *   it alone.
 *
 * The writer and the evaluator run in isolated subnets with no route out; ingest runs outside
 * the VPC (the public Lambda network), so it fetches ip-ranges.json from the internet directly.
 * The findings queue is in `Queues`, the resource events' rules in `Capture` and the forwarders.
 */
export class Findings extends Construct {
  readonly sweepSchedule?: events.Rule;
  readonly evaluateSchedule?: events.Rule;
  /** Elastic Beanstalk, for the evaluator's `CheckDNSAvailability`. */
  readonly endpoint?: ec2.InterfaceVpcEndpoint;
  /** SQS, for the writer's sends to the findings queue. */
  readonly queueEndpoint?: ec2.InterfaceVpcEndpoint;
  /** A listing failed: the findings that need it stay undecided until one succeeds. */
  readonly listingsFailedAlarm?: cw.Alarm;

  constructor(scope: Construct, id: string, props: FindingsProps) {
    super(scope, id);
    const { config, ingest, writer, queue, evaluator, network } = props;
    if (config.enabled !== (queue !== undefined && evaluator !== undefined)) {
      throw new Error(
        'findings on needs the findings queue and evaluator, and findings off neither',
      );
    }
    addEnvironment(writer, writerFindingsEnvironment(queue?.queueUrl));
    if (!queue || !evaluator) return;
    addEnvironment(evaluator, evaluatorFindingsEnvironment());
    addEnvironment(ingest, ingestFindingsEnvironment(config));

    ingest.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FindingsResourceReads',
        actions: [...RESOURCE_READ_ACTIONS],
        resources: ['*'],
      }),
    );
    acknowledgeNag(ingest, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'route53:ListHostedZones, cloudtrail:LookupEvents, the Organizations reads (with accounts=org) and the resource sweep of findings (ec2:DescribeRegions/DescribeAddresses/DescribeNetworkInterfaces, s3:ListAllMyBuckets, cloudfront:ListDistributions, elasticbeanstalk:DescribeEnvironments, route53:ListHealthChecks) are list and describe calls with no resource type in IAM to narrow them to: "*" is the only way to grant them. All only read.',
    });

    queue.grantSendMessages(writer);
    this.queueEndpoint = network.addEndpoint('Sqs', ec2.InterfaceVpcEndpointAwsService.SQS);
    this.queueEndpoint.connections.allowDefaultPortFrom(
      writer,
      'Writer sends findings work to the findings queue',
    );

    evaluator.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FindingsCheckDnsAvailability',
        actions: [...EVALUATOR_FINDINGS_ACTIONS],
        resources: ['*'],
      }),
    );
    acknowledgeNag(evaluator, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'elasticbeanstalk:CheckDNSAvailability has no resource type in IAM: it asks whether a CNAME prefix is free, and reads nothing of the account.',
    });
    this.endpoint = network.addEndpoint(
      'ElasticBeanstalk',
      ec2.InterfaceVpcEndpointAwsService.ELASTIC_BEANSTALK,
    );
    this.endpoint.connections.allowDefaultPortFrom(
      evaluator,
      'Findings evaluator asks CheckDNSAvailability',
    );

    const schedules = findingsSchedules(config.resourceSweepMinutes);
    const interval = Duration.minutes(config.resourceSweepMinutes);
    this.sweepSchedule = new events.Rule(this, 'ResourceSweepSchedule', {
      description: `zonetrail findings: resource sweep of every account and region in scope, every ${config.resourceSweepMinutes} minutes`,
      schedule: events.Schedule.expression(schedules.sweep),
      targets: [
        new targets.LambdaFunction(ingest, {
          event: events.RuleTargetInput.fromObject(RESOURCE_SWEEP_PAYLOAD),
          retryAttempts: 2,
          maxEventAge: interval.toMinutes() < 60 ? interval : Duration.hours(1),
        }),
      ],
    });
    this.evaluateSchedule = new events.Rule(this, 'EvaluateSchedule', {
      description:
        'zonetrail findings: the findings evaluator evaluates every live record, after each resource sweep',
      schedule: events.Schedule.expression(schedules.evaluate),
      targets: [
        new targets.LambdaFunction(evaluator, {
          event: events.RuleTargetInput.fromObject(FINDINGS_PAYLOAD),
          retryAttempts: 1,
          maxEventAge: Duration.minutes(Math.min(10, config.resourceSweepMinutes)),
        }),
      ],
    });

    this.listingsFailedAlarm = new cw.Alarm(this, 'ResourceListingsFailed', {
      alarmDescription: `A resource listing failed (metric ${IngestMetric.resourceListingsFailed}: an API error, a denied region or role, a throttled account); the findings that need it stay undecided, neither raised nor resolved, until a listing succeeds. See ingest's log for the account, region and error.`,
      metric: ingestMetric(IngestMetric.resourceListingsFailed, 'Sum'),
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    this.listingsFailedAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
  }
}
