import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  IngestMetric,
  METRIC_NAMESPACE,
  type NotifyMetric,
  STAGE_DIMENSION,
  WriterMetric,
} from './metrics';

export interface OperationsProps {
  readonly ingest: lambda.IFunction;
  readonly writer: lambda.IFunction;
  readonly api: lambda.IFunction;
  readonly recordsQueue: sqs.IQueue;
  readonly recordsDlq: sqs.IQueue;
  readonly sweepQueue: sqs.IQueue;
  readonly sweepDlq: sqs.IQueue;
  /** With findings on: the findings queue, its DLQ and its consumer. */
  readonly findings?: {
    readonly queue: sqs.IQueue;
    readonly dlq: sqs.IQueue;
    readonly evaluator: lambda.IFunction;
  };
  readonly cluster: rds.DatabaseCluster;
  readonly proxy?: rds.DatabaseProxy;
  readonly httpApi: apigwv2.HttpApi;
  readonly freshnessLagAlarmSeconds: number;
  readonly alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/** A metric the writer emits (EMF, `Stage=writer`). */
export function writerMetric(
  name: WriterMetric,
  statistic: string,
  period: Duration = FIVE_MINUTES,
): cw.Metric {
  return new cw.Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: { [STAGE_DIMENSION]: 'writer' },
    statistic,
    period,
  });
}

/** A metric ingest emits (EMF, `Stage=ingest`). */
export function ingestMetric(
  name: IngestMetric,
  statistic: string,
  period: Duration = FIVE_MINUTES,
): cw.Metric {
  return new cw.Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: { [STAGE_DIMENSION]: 'ingest' },
    statistic,
    period,
  });
}

/** A metric the notifications publisher emits (EMF, `Stage=notify`), from the writer. */
export function notifyMetric(
  name: NotifyMetric,
  statistic: string,
  period: Duration = FIVE_MINUTES,
): cw.Metric {
  return new cw.Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: { [STAGE_DIMENSION]: 'notify' },
    statistic,
    period,
  });
}

/**
 * What an operator watches: alarms to an encrypted SNS topic (DLQs not empty, function
 * errors, failed sweeps, stale data) and one dashboard of the whole pipeline.
 */
export class Operations extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cw.Alarm[] = [];
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);

    // CloudWatch cannot publish to a topic under the AWS-managed SNS key: its key policy does
    // not let CloudWatch use it. Hence a key of our own that does.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'zonetrail alarm topic',
      enableKeyRotation: true,
      // It protects only alarm notifications in flight: nothing to keep once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.grant(
      new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    this.topic = new sns.Topic(this, 'Alarms', {
      displayName: 'zonetrail alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    this.dlqAlarm(
      'RecordsDlqNotEmpty',
      props.recordsDlq,
      'Record batches failed 5 times and wait in the DLQ. Fix the cause, then replay: zonetrail drain --queue-url <RecordsDlqUrl>.',
    );
    this.dlqAlarm(
      'SweepDlqNotEmpty',
      props.sweepDlq,
      'Sweep continuations failed 5 times and wait in the sweep DLQ; the next scheduled sweep starts afresh.',
    );
    this.errorsAlarm(
      'WriterErrors',
      props.writer,
      'The writer failed whole invocations (crash, timeout, no database). Failed messages alone do not count here.',
    );
    this.errorsAlarm(
      'IngestErrors',
      props.ingest,
      'Ingest failed: a sweep, a sweep continuation or a change event could not be read from Route 53 or queued.',
    );
    this.alarm('SweepFailed', {
      description: `A zone sweep gave up (metric ${METRIC_NAMESPACE}/${IngestMetric.zonesFailed}); its records may be stale until the next sweep.`,
      metric: ingestMetric(IngestMetric.zonesFailed, 'Sum'),
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    this.alarm('FreshnessLag', {
      description: `Observations reach the database more than ${props.freshnessLagAlarmSeconds} s after they were made (metric ${METRIC_NAMESPACE}/${WriterMetric.freshnessLagSeconds}), for 15 minutes.`,
      metric: writerMetric(WriterMetric.freshnessLagSeconds, 'Maximum'),
      threshold: props.freshnessLagAlarmSeconds,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });
    this.errorsAlarm(
      'ApiErrors',
      props.api,
      'The api function failed whole invocations (crash, timeout); the dashboard sees 5xx.',
    );
    if (props.findings) {
      this.dlqAlarm(
        'FindingsDlqNotEmpty',
        props.findings.dlq,
        'Findings work failed 5 times (a malformed message, or an evaluation that kept failing) and waits in the findings DLQ. The evaluation of every record after the next resource sweep makes it good; to replay it sooner, fix the cause, then: aws sqs start-message-move-task --source-arn <FindingsDlqArn>.',
      );
      this.errorsAlarm(
        'FindingsEvaluatorErrors',
        props.findings.evaluator,
        'The findings evaluator failed whole invocations (crash, timeout, no database), or the scheduled evaluation of every record failed. Failed messages alone do not count here.',
      );
    }

    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-zonetrail`,
      defaultInterval: Duration.days(1),
    });
    const wide = { width: 12, height: 6 };
    /** Each work queue: its label, itself and its DLQ. */
    const queues: [string, sqs.IQueue, sqs.IQueue][] = [
      ['records', props.recordsQueue, props.recordsDlq],
      ['sweep', props.sweepQueue, props.sweepDlq],
    ];
    if (props.findings) queues.push(['findings', props.findings.queue, props.findings.dlq]);
    const lambdaWidgets = (title: string, fn: lambda.IFunction) => [
      new cw.GraphWidget({
        title: `${title}: invocations and errors`,
        left: [
          fn.metricInvocations({ period: FIVE_MINUTES }),
          fn.metricErrors({ period: FIVE_MINUTES }),
          fn.metricThrottles({ period: FIVE_MINUTES }),
        ],
        ...wide,
      }),
      new cw.GraphWidget({
        title: `${title}: duration`,
        left: [
          fn.metricDuration({ statistic: 'p50', period: FIVE_MINUTES }),
          fn.metricDuration({ statistic: 'Maximum', period: FIVE_MINUTES }),
        ],
        ...wide,
      }),
    ];
    this.dashboard.addWidgets(
      new cw.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...this.alarms],
        width: 24,
        height: 3,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'Freshness lag (s)',
        left: [
          writerMetric(WriterMetric.freshnessLagSeconds, 'Maximum'),
          writerMetric(WriterMetric.freshnessLagSeconds, 'p50'),
        ],
        leftAnnotations: [{ value: props.freshnessLagAlarmSeconds, label: 'alarm' }],
        ...wide,
      }),
      new cw.GraphWidget({
        title: 'Records',
        left: [
          ingestMetric(IngestMetric.recordSetsSwept, 'Sum'),
          writerMetric(WriterMetric.recordsUpserted, 'Sum'),
          writerMetric(WriterMetric.recordsTombstoned, 'Sum'),
        ],
        right: [writerMetric(WriterMetric.messagesFailed, 'Sum')],
        ...wide,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'Sweeps: zones',
        left: [
          ingestMetric(IngestMetric.zonesSwept, 'Sum'),
          ingestMetric(IngestMetric.zonesFailed, 'Sum'),
        ],
        ...wide,
      }),
      new cw.GraphWidget({
        title: 'Sweeps: Route 53 requests',
        left: [
          ingestMetric(IngestMetric.route53Calls, 'Sum'),
          ingestMetric(IngestMetric.route53Retries, 'Sum'),
        ],
        right: [ingestMetric(IngestMetric.messagesSent, 'Sum')],
        ...wide,
      }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'Queues: messages waiting',
        left: queues.map(([label, q]) =>
          q.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, label }),
        ),
        right: queues.map(([label, , dlq]) =>
          dlq.metricApproximateNumberOfMessagesVisible({
            period: FIVE_MINUTES,
            label: `${label} DLQ`,
          }),
        ),
        ...wide,
      }),
      new cw.GraphWidget({
        title: 'Queues: age of oldest message (s)',
        left: queues.map(([label, q]) =>
          q.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, label }),
        ),
        ...wide,
      }),
    );
    this.dashboard.addWidgets(...lambdaWidgets('writer', props.writer));
    this.dashboard.addWidgets(...lambdaWidgets('ingest', props.ingest));
    this.dashboard.addWidgets(...lambdaWidgets('api', props.api));
    if (props.findings) {
      this.dashboard.addWidgets(...lambdaWidgets('findings evaluator', props.findings.evaluator));
    }

    const dbMetrics = [
      props.cluster.metric('ServerlessDatabaseCapacity', {
        statistic: 'Maximum',
        period: FIVE_MINUTES,
        label: 'ACU',
      }),
    ];
    const connectionMetrics = [
      props.cluster.metricDatabaseConnections({
        period: FIVE_MINUTES,
        label: 'database connections',
      }),
    ];
    if (props.proxy) {
      connectionMetrics.push(
        new cw.Metric({
          namespace: 'AWS/RDS',
          metricName: 'ClientConnections',
          dimensionsMap: { ProxyName: props.proxy.dbProxyName },
          statistic: 'Maximum',
          period: FIVE_MINUTES,
          label: 'proxy client connections',
        }),
      );
    }
    this.dashboard.addWidgets(
      new cw.GraphWidget({ title: 'Database capacity (ACU)', left: dbMetrics, ...wide }),
      new cw.GraphWidget({ title: 'Database connections', left: connectionMetrics, ...wide }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'API requests',
        left: [props.httpApi.metricCount({ period: FIVE_MINUTES })],
        right: [
          props.httpApi.metricClientError({ period: FIVE_MINUTES }),
          props.httpApi.metricServerError({ period: FIVE_MINUTES }),
        ],
        ...wide,
      }),
      new cw.GraphWidget({
        title: 'API latency (ms)',
        left: [
          props.httpApi.metricLatency({ statistic: 'p50', period: FIVE_MINUTES }),
          props.httpApi.metricLatency({ statistic: 'p99', period: FIVE_MINUTES }),
        ],
        ...wide,
      }),
    );
  }

  /** A dead-letter queue holds a message. */
  private dlqAlarm(id: string, dlq: sqs.IQueue, description: string): cw.Alarm {
    return this.alarm(id, {
      description,
      metric: dlq.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: FIVE_MINUTES,
      }),
      threshold: 0,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }

  /** A function failed whole invocations. */
  private errorsAlarm(id: string, fn: lambda.IFunction, description: string): cw.Alarm {
    return this.alarm(id, {
      description,
      metric: fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: 1,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  private alarm(
    id: string,
    p: {
      description: string;
      metric: cw.IMetric;
      threshold: number;
      comparisonOperator: cw.ComparisonOperator;
      evaluationPeriods?: number;
    },
  ): cw.Alarm {
    const alarm = new cw.Alarm(this, id, {
      alarmDescription: p.description,
      metric: p.metric,
      threshold: p.threshold,
      comparisonOperator: p.comparisonOperator,
      evaluationPeriods: p.evaluationPeriods ?? 1,
      datapointsToAlarm: p.evaluationPeriods ?? 1,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}
