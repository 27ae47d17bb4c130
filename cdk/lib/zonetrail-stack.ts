import { Aspects, CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AccessLogs } from './access-logs';
import { Api } from './api';
import { Auth } from './auth';
import { ALL_RESOURCE_SOURCES, Capture, resourceSourcesIn } from './capture';
import { acknowledgeCdkHelpers, CheckovExceptions } from './compliance';
import type { ZonetrailConfig } from './config';
import { Database } from './database';
import { Findings } from './findings';
import { FINDINGS_EVALUATOR_TIMEOUT, Functions, INGEST_TIMEOUT, WRITER_TIMEOUT } from './functions';
import { Network } from './network';
import { Notifications } from './notifications';
import { Operations } from './operations';
import { CentralAccess } from './organizations';
import { Queues } from './queues';
import { dashboardConnectSources, Site } from './site';

export interface ZonetrailStackProps extends StackProps {
  readonly config: ZonetrailConfig;
}

/** The whole zonetrail deployment in one region (plus `CaptureForwarderStack` off us-east-1). */
export class ZonetrailStack extends Stack {
  readonly network: Network;
  readonly queues: Queues;
  readonly database: Database;
  readonly site: Site;
  readonly auth: Auth;
  readonly functions: Functions;
  readonly api: Api;
  readonly capture: Capture;
  readonly operations: Operations;
  readonly notifications: Notifications;
  readonly findings: Findings;
  /** Present when ingest reaches other accounts (`accounts` is not `self`). */
  readonly central?: CentralAccess;
  private readonly zones?: string[];

  constructor(scope: Construct, id: string, props: ZonetrailStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.zones = config.availabilityZones;

    const accessLogs = new AccessLogs(this, 'AccessLogs');
    this.network = new Network(this, 'Network', { logRetentionDays: config.logRetentionDays });
    this.queues = new Queues(this, 'Queues', {
      writerTimeout: WRITER_TIMEOUT,
      ingestTimeout: INGEST_TIMEOUT,
      findingsEvaluatorTimeout: config.findings.enabled ? FINDINGS_EVALUATOR_TIMEOUT : undefined,
    });
    this.database = new Database(this, 'Database', {
      network: this.network,
      minCapacity: config.dbMinCapacity,
      maxCapacity: config.dbMaxCapacity,
      useProxy: config.dbProxy,
      deletionProtection: config.deletionProtection,
      logRetentionDays: config.logRetentionDays,
    });

    const oidcOrigins = config.oidc
      ? [new URL(config.oidc.issuer).origin, new URL(config.oidc.domain).origin]
      : [];
    this.site = new Site(this, 'Site', {
      accessLogs: accessLogs.bucket,
      domainName: config.siteDomainName,
      certificateArn: config.siteCertificateArn,
      connectSources: dashboardConnectSources(this.region, oidcOrigins),
    });
    this.auth = new Auth(this, 'Auth', {
      oidc: config.oidc,
      cognitoDomainPrefix: config.authDomainPrefix,
      siteUrl: this.site.url,
    });

    this.functions = new Functions(this, 'Functions', {
      config,
      network: this.network,
      queues: this.queues,
      database: this.database,
      corsOrigin: this.site.url,
    });
    this.api = new Api(this, 'Api', {
      handler: this.functions.api,
      auth: this.auth.settings,
      corsOrigin: this.site.url,
      logRetentionDays: config.logRetentionDays,
    });
    this.site.deployContent({
      apiBase: this.api.url,
      auth: {
        authority: this.auth.settings.issuer,
        clientId: this.auth.settings.clientId,
        scopes: this.auth.settings.scopes,
        endSessionEndpoint: this.auth.settings.endSessionEndpoint,
      },
    });

    if (config.organizations.accounts !== 'self') {
      this.central = new CentralAccess(this, 'Organization', {
        config,
        ingest: this.functions.ingest,
      });
    }
    this.capture = new Capture(this, 'Capture', {
      ingest: this.functions.ingest,
      sweepQueue: this.queues.sweep,
      existingTrail: config.existingTrail,
      accessLogs: accessLogs.bucket,
      memberBus: this.central?.bus,
      resourceSources: config.findings.enabled
        ? resourceSourcesIn(config.region, config.findings.regions)
        : undefined,
      memberResourceSources: config.findings.enabled ? ALL_RESOURCE_SOURCES : undefined,
    });

    // The first backfill, once, after the first sweep has been scheduled.
    if (config.backfillOnDeploy) {
      this.functions.addBackfillOnDeploy({
        since: config.backfillSince,
        after: [this.capture.sweepSchedule, this.capture.sweepQueueMapping],
        logRetentionDays: config.logRetentionDays,
      });
    }

    const { findingsEvaluator } = this.functions;
    const { findings: findingsQueue, findingsDlq } = this.queues;
    const findings =
      findingsEvaluator && findingsQueue && findingsDlq
        ? { evaluator: findingsEvaluator, queue: findingsQueue, dlq: findingsDlq }
        : undefined;

    this.operations = new Operations(this, 'Operations', {
      ingest: this.functions.ingest,
      writer: this.functions.writer,
      api: this.functions.api,
      recordsQueue: this.queues.records,
      recordsDlq: this.queues.recordsDlq,
      sweepQueue: this.queues.sweep,
      sweepDlq: this.queues.sweepDlq,
      findings,
      cluster: this.database.cluster,
      proxy: this.database.proxy,
      httpApi: this.api.httpApi,
      freshnessLagAlarmSeconds: config.freshnessLagAlarmSeconds,
      alarmEmail: config.alarmEmail,
    });

    this.findings = new Findings(this, 'Findings', {
      config: config.findings,
      ingest: this.functions.ingest,
      writer: this.functions.writer,
      queue: findings?.queue,
      evaluator: findings?.evaluator,
      network: this.network,
      alarmTopic: this.operations.topic,
    });

    this.notifications = new Notifications(this, 'Notifications', {
      config: config.notify,
      writer: this.functions.writer,
      publishers: [this.functions.writer, ...(findings ? [findings.evaluator] : [])],
      endpoint: this.network.eventBridgeEndpoint,
      alarmTopic: this.operations.topic,
    });

    Aspects.of(this).add(new CheckovExceptions());
    acknowledgeCdkHelpers(this, [this.site.bucket]);

    new CfnOutput(this, 'DashboardUrl', { value: this.site.url });
    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    if (this.auth.userPool)
      new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'RecordsQueueUrl', { value: this.queues.records.queueUrl });
    new CfnOutput(this, 'RecordsDlqUrl', { value: this.queues.recordsDlq.queueUrl });
    new CfnOutput(this, 'SweepQueueUrl', { value: this.queues.sweep.queueUrl });
    new CfnOutput(this, 'SweepDlqUrl', { value: this.queues.sweepDlq.queueUrl });
    if (findings) {
      new CfnOutput(this, 'FindingsDlqUrl', { value: findings.dlq.queueUrl });
      new CfnOutput(this, 'FindingsDlqArn', { value: findings.dlq.queueArn });
      new CfnOutput(this, 'FindingsEvaluatorFunctionName', {
        value: findings.evaluator.functionName,
      });
    }
    new CfnOutput(this, 'IngestFunctionName', { value: this.functions.ingest.functionName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.operations.topic.topicArn });
    new CfnOutput(this, 'EventBusName', { value: this.notifications.bus.eventBusName });
    if (this.notifications.webhookSecret) {
      new CfnOutput(this, 'WebhookSecretArn', {
        value: this.notifications.webhookSecret.secretArn,
      });
    }
    if (this.notifications.connection) {
      new CfnOutput(this, 'WebhookConnectionName', {
        value: this.notifications.connection.connectionName,
      });
    }
  }

  /**
   * Two AZs, resolved by CloudFormation at deploy (`Fn::GetAZs`), unless given by context:
   * the default lookup would call AWS at synth time, and synth must work offline.
   */
  get availabilityZones(): string[] {
    if (this.zones) return this.zones;
    return [Fn.select(0, Fn.getAzs()), Fn.select(1, Fn.getAzs())];
  }
}
