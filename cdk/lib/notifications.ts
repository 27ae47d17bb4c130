import { Duration, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag, skipCheckov } from './compliance';
import { MAX_MESSAGE_BYTES, type NotifyConfig, notifyEnvironment } from './config';
import { NotifyMetric, WriterMetric } from './metrics';
import { notifyMetric, writerMetric } from './operations';
import { addEnvironment } from './rust-function';

/** The events' `source` and `detail-type` (notify/src/lib.rs, docs/contracts.md). */
export const EVENT_SOURCE = 'zonetrail';
export const EVENT_DETAIL_TYPE = 'DNS Record Changed';

/** What the schedule sends the writer: publish every notification due. */
export const NOTIFY_PAYLOAD = { notify: {} } as const;

/** EventBridge's delivery retries to a target: its maximum, over a day, before the DLQ. */
export const TARGET_RETRY = { retryAttempts: 185, maxEventAge: Duration.hours(24) } as const;

/** Calls a second to the webhook (Slack's incoming webhooks take about one, with bursts). */
export const WEBHOOK_RATE_PER_SECOND = 5;

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The pattern of every target rule: zonetrail's change events, narrowed by context.
 *
 * - `notifyZones`: `detail.zone_id` is one of them;
 * - `notifySources`: `detail.source` is one of them;
 * - `notifyIgnoreActors`: neither `detail.actor` nor `detail.actor_role` is one of them
 *   (`anything-but`), with `null` admitted explicitly so that drift (no actor) stays in;
 * - unless `notifyBackfill`: `detail.via` is not `backfill` (the writer does not publish
 *   backfilled history either; this keeps the rule right if it ever does).
 */
export function notificationPattern(n: NotifyConfig): events.EventPattern {
  const detail: Record<string, unknown[]> = {};
  if (n.zones) detail.zone_id = [...n.zones];
  if (n.sources) detail.source = [...n.sources];
  if (n.ignoreActors) {
    detail.actor = [{ 'anything-but': [...n.ignoreActors] }, null];
    detail.actor_role = [{ 'anything-but': [...n.ignoreActors] }, null];
  }
  if (!n.backfill) detail.via = [{ 'anything-but': ['backfill'] }, null];
  return {
    source: [EVENT_SOURCE],
    detailType: [EVENT_DETAIL_TYPE],
    ...(Object.keys(detail).length > 0 ? { detail } : {}),
  };
}

const field = (path: string) => events.EventField.fromPath(`$.detail.${path}`);

/** The Slack-compatible text: who changed what, before → after. */
export function slackText(): string {
  return `${field('actor')} ${field('action')} ${field('name')} ${field('type')} in ${field('zone_name')}: ${field('before.values')} → ${field('after.values')}`;
}

/** The e-mail: the same line, then where to look it up. */
export function emailText(): string {
  return `zonetrail: ${field('actor')} ${field('action')} ${field('name')} ${field('type')} in ${field('zone_name')} (${field('zone_id')}, account ${field('account_id')}). Before: ${field('before.values')}. After: ${field('after.values')}. Seen by ${field('source')} at ${field('observed_at')}; change ${field('id')}, CloudTrail event ${field('event_id')}.`;
}

export interface NotificationsProps {
  readonly config: NotifyConfig;
  /** The writer: invoked by the retry schedule. */
  readonly writer: lambda.Function;
  /**
   * Every function that writes the outboxes and publishes after each batch: the writer, and
   * with findings the findings evaluator (`finding_outbox`).
   */
  readonly publishers: lambda.Function[];
  /** The VPC's EventBridge endpoint: the publishers run in isolated subnets. */
  readonly endpoint: ec2.InterfaceVpcEndpoint;
  /** Where the alarms go (the operations topic). */
  readonly alarmTopic: sns.ITopic;
}

/**
 * Notifications (issue 19, docs/deploy.md "Notifications"): the `zonetrail` bus the writer
 * publishes every committed change to, and the findings evaluator every finding opened or
 * resolved (`PutEvents`, on that bus only, for each of `publishers`), a schedule that asks
 * the writer every minute to publish what is due (`{"notify": {}}`), and, from context, an
 * e-mail topic and a webhook (API destination) as targets of filtered rules, each with a DLQ
 * and a retry policy, and alarms on the DLQs and on the rules' failed invocations.
 */
export class Notifications extends Construct {
  readonly bus: events.EventBus;
  readonly schedule: events.Rule;
  readonly alarms: cw.Alarm[] = [];
  readonly emailTopic?: sns.Topic;
  readonly emailRule?: events.Rule;
  readonly webhookRule?: events.Rule;
  readonly webhookSecret?: secretsmanager.ISecret;
  readonly connection?: events.Connection;
  private readonly alarmTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const { config, writer, publishers } = props;
    this.alarmTopic = props.alarmTopic;

    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: config.busName,
      description: 'zonetrail: every committed DNS record change (detail-type DNS Record Changed)',
    });
    const environment = notifyEnvironment({
      bus: this.bus.eventBusName,
      backfill: config.backfill,
    });
    for (const fn of publishers) {
      addEnvironment(fn, environment);
      // The publishers have no route out of the VPC but its endpoints.
      props.endpoint.connections.allowDefaultPortFrom(fn, `${fn.node.id} publishes notifications`);
      // PutEvents on this bus only.
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'PutChangeEvents',
          actions: ['events:PutEvents'],
          resources: [this.bus.eventBusArn],
        }),
      );
    }

    // What a batch could not publish (a failed send waits for its backoff) goes out within a
    // minute; a missed tick is made good by the next, so no DLQ.
    this.schedule = new events.Rule(this, 'PublishSchedule', {
      description: 'zonetrail: the writer publishes the notifications due (failed sends, backoff)',
      // Every minute by default (`notifyRetryMinutes`): each tick touches the database.
      schedule: events.Schedule.rate(Duration.minutes(config.retryMinutes)),
      targets: [
        new targets.LambdaFunction(writer, {
          event: events.RuleTargetInput.fromObject(NOTIFY_PAYLOAD),
          retryAttempts: 0,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });
    this.alarm('ScheduleFailed', {
      description:
        'EventBridge could not invoke the writer for the scheduled publishing of notifications.',
      metric: this.ruleFailures(this.schedule, false),
    });
    this.alarm('PublishErrors', {
      description: `The writer could not read or update the notification outbox (metric ${WriterMetric.notifyErrors}); the changes wait and are retried.`,
      metric: writerMetric(WriterMetric.notifyErrors, 'Sum'),
    });
    this.alarm('SendsFailing', {
      description: `PutEvents refused notifications for 15 minutes (metric ${NotifyMetric.failed}, Stage=notify); they stay in the outbox and are retried with backoff.`,
      metric: notifyMetric(NotifyMetric.failed, 'Sum'),
      evaluationPeriods: 3,
    });

    const pattern = notificationPattern(config);
    if (config.emails) {
      const key = new kms.Key(this, 'EmailTopicKey', {
        description: 'zonetrail change notifications (e-mail topic)',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(7),
      });
      // EventBridge publishes to the topic, so it encrypts with the key.
      key.grant(
        new iam.ServicePrincipal('events.amazonaws.com'),
        'kms:Decrypt',
        'kms:GenerateDataKey*',
      );
      this.emailTopic = new sns.Topic(this, 'EmailTopic', {
        displayName: 'zonetrail DNS changes',
        masterKey: key,
        enforceSSL: true,
      });
      for (const email of config.emails) {
        this.emailTopic.addSubscription(new subscriptions.EmailSubscription(email));
      }
      const dlq = this.dlq('EmailDlq');
      this.emailRule = new events.Rule(this, 'EmailRule', {
        description: 'zonetrail: DNS record changes to e-mail',
        eventBus: this.bus,
        eventPattern: pattern,
        targets: [
          new targets.SnsTopic(this.emailTopic, {
            message: events.RuleTargetInput.fromText(emailText()),
            deadLetterQueue: dlq,
            ...TARGET_RETRY,
          }),
        ],
      });
      this.targetAlarms('Email', this.emailRule, dlq);
    }

    if (config.webhookUrl) {
      this.webhookSecret = config.webhookSecretName
        ? secretsmanager.Secret.fromSecretNameV2(this, 'WebhookApiKey', config.webhookSecretName)
        : this.placeholderSecret();
      this.connection = new events.Connection(this, 'WebhookConnection', {
        description: `zonetrail webhook: the API key in header ${config.webhookHeader}`,
        authorization: events.Authorization.apiKey(
          config.webhookHeader,
          SecretValue.secretsManager(this.webhookSecret.secretArn),
        ),
      });
      const destination = new events.ApiDestination(this, 'Webhook', {
        description: 'zonetrail webhook (Slack-compatible text)',
        connection: this.connection,
        endpoint: config.webhookUrl,
        httpMethod: events.HttpMethod.POST,
        rateLimitPerSecond: WEBHOOK_RATE_PER_SECOND,
      });
      const dlq = this.dlq('WebhookDlq');
      this.webhookRule = new events.Rule(this, 'WebhookRule', {
        description: 'zonetrail: DNS record changes to the webhook',
        eventBus: this.bus,
        eventPattern: pattern,
        targets: [
          new targets.ApiDestination(destination, {
            event: events.RuleTargetInput.fromObject({ text: slackText() }),
            deadLetterQueue: dlq,
            ...TARGET_RETRY,
          }),
        ],
      });
      this.targetAlarms('Webhook', this.webhookRule, dlq);
    }
  }

  /** A secret the operator fills with the receiver's API key (docs/deploy.md). */
  private placeholderSecret(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'WebhookApiKey', {
      description:
        'zonetrail webhook API key: a generated placeholder; put the receiver’s key here, then update the connection (docs/deploy.md, "Notifications")',
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    });
    acknowledgeNag(secret, {
      id: 'AwsSolutions-SMG4',
      reason:
        'The webhook’s API key is issued by the receiver; it is rotated there and put here by the operator, not by a rotation Lambda.',
    });
    skipCheckov(secret, {
      id: 'CKV_AWS_149',
      reason:
        'Only EventBridge reads this key, at deploy, through the connection; the AWS-managed Secrets Manager key suffices.',
    });
    return secret;
  }

  /** A target's dead-letter queue: encrypted, TLS only, kept 14 days. */
  private dlq(id: string): sqs.Queue {
    const dlq = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    });
    acknowledgeNag(dlq, {
      id: 'AwsSolutions-SQS3',
      reason:
        'This is the dead-letter queue of an EventBridge target: the events EventBridge could not deliver, kept for the operator.',
    });
    return dlq;
  }

  /** Failed invocations of `rule`'s targets (on the bus, or on the default bus). */
  private ruleFailures(rule: events.Rule, onBus: boolean): cw.Metric {
    return new cw.Metric({
      namespace: 'AWS/Events',
      metricName: 'FailedInvocations',
      dimensionsMap: onBus
        ? { EventBusName: this.bus.eventBusName, RuleName: rule.ruleName }
        : { RuleName: rule.ruleName },
      statistic: 'Sum',
      period: FIVE_MINUTES,
    });
  }

  private targetAlarms(name: string, rule: events.Rule, dlq: sqs.Queue): void {
    this.alarm(`${name}DlqNotEmpty`, {
      description: `Notifications EventBridge could not deliver (${name.toLowerCase()}) wait in the DLQ; see the messages' error attributes.`,
      metric: dlq.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: FIVE_MINUTES,
      }),
      threshold: 0,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.alarm(`${name}FailedInvocations`, {
      description: `EventBridge failed to deliver notifications to the ${name.toLowerCase()} target.`,
      metric: this.ruleFailures(rule, true),
    });
  }

  private alarm(
    id: string,
    p: {
      description: string;
      metric: cw.IMetric;
      threshold?: number;
      comparisonOperator?: cw.ComparisonOperator;
      evaluationPeriods?: number;
    },
  ): cw.Alarm {
    const alarm = new cw.Alarm(this, id, {
      alarmDescription: p.description,
      metric: p.metric,
      threshold: p.threshold ?? 1,
      comparisonOperator:
        p.comparisonOperator ?? cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: p.evaluationPeriods ?? 1,
      datapointsToAlarm: p.evaluationPeriods ?? 1,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
    this.alarms.push(alarm);
    return alarm;
  }
}
