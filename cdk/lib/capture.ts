import { Arn, Duration, Names, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { skipCheckov } from './compliance';

/** Route 53 is global: EventBridge sees its CloudTrail events in us-east-1 only. */
export const ROUTE53_EVENTS_REGION = 'us-east-1';

/** The Route 53 calls that change what zones exist, what they hold, or which VPCs see them. */
export const ROUTE53_CHANGE_EVENTS = [
  'ChangeResourceRecordSets',
  'CreateHostedZone',
  'DeleteHostedZone',
  'AssociateVPCWithHostedZone',
  'DisassociateVPCFromHostedZone',
];

export const ROUTE53_CHANGE_PATTERN: events.EventPattern = {
  source: ['aws.route53'],
  detailType: ['AWS API Call via CloudTrail'],
  detail: {
    eventSource: ['route53.amazonaws.com'],
    eventName: ROUTE53_CHANGE_EVENTS,
  },
};

/** How a resource kind's CloudTrail events reach EventBridge. */
export interface ResourceEventSource {
  /** CloudTrail's `eventSource`. */
  readonly eventSource: string;
  /** The calls that create or remove what findings check (docs/deploy.md, "Findings"). */
  readonly eventNames: readonly string[];
  /**
   * `regional`: in the region where the call was made (a bucket's calls: its region);
   * `global`: in us-east-1 only.
   */
  readonly scope: 'regional' | 'global';
}

/**
 * The resource events of findings (issue 20), by EventBridge `source`. Each makes ingest list
 * that kind again in the event's account and region. Route 53's hosted-zone calls stay on the
 * record path (`ROUTE53_CHANGE_PATTERN`); the health-check calls are here.
 */
export const RESOURCE_EVENT_SOURCES: Readonly<Record<string, ResourceEventSource>> = {
  'aws.ec2': {
    eventSource: 'ec2.amazonaws.com',
    eventNames: [
      'AllocateAddress',
      'ReleaseAddress',
      'AssociateAddress',
      'DisassociateAddress',
      'CreateNetworkInterface',
      'DeleteNetworkInterface',
      'RunInstances',
      'TerminateInstances',
    ],
    scope: 'regional',
  },
  'aws.s3': {
    eventSource: 's3.amazonaws.com',
    eventNames: ['CreateBucket', 'DeleteBucket'],
    scope: 'regional',
  },
  'aws.elasticbeanstalk': {
    eventSource: 'elasticbeanstalk.amazonaws.com',
    eventNames: ['CreateEnvironment', 'TerminateEnvironment'],
    scope: 'regional',
  },
  'aws.cloudfront': {
    eventSource: 'cloudfront.amazonaws.com',
    eventNames: ['CreateDistribution', 'DeleteDistribution', 'UpdateDistribution'],
    scope: 'global',
  },
  'aws.route53': {
    eventSource: 'route53.amazonaws.com',
    eventNames: ['CreateHealthCheck', 'DeleteHealthCheck'],
    scope: 'global',
  },
};

export const ALL_RESOURCE_SOURCES = Object.keys(RESOURCE_EVENT_SOURCES);

/**
 * The resource sources whose events can appear in `region` and concern the regions findings
 * read (`watched`; undefined: every region): the regional ones where watched, the global ones
 * in us-east-1.
 */
export function resourceSourcesIn(
  region: string,
  watched: readonly string[] | undefined,
): string[] {
  return ALL_RESOURCE_SOURCES.filter((source) =>
    RESOURCE_EVENT_SOURCES[source].scope === 'global'
      ? region === ROUTE53_EVENTS_REGION
      : !watched || watched.includes(region),
  );
}

/**
 * One pattern for the given sources. The event names of the five services do not overlap, so
 * matching any name of any listed source takes no call of another service.
 */
export function resourceChangePattern(sources: readonly string[]): events.EventPattern {
  if (sources.length === 0) throw new Error('a resource change pattern needs a source');
  const known = sources.map((s) => {
    const def = RESOURCE_EVENT_SOURCES[s];
    if (!def) throw new Error(`no resource events are known for source ${s}`);
    return def;
  });
  return {
    source: [...sources],
    detailType: ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: known.map((d) => d.eventSource),
      eventName: known.flatMap((d) => d.eventNames),
    },
  };
}

/** The full sweep that makes good anything CloudTrail missed (its delivery is best effort). */
export const SWEEP_SCHEDULE = events.Schedule.rate(Duration.hours(3));

export interface CaptureProps {
  readonly ingest: lambda.Function;
  readonly sweepQueue: sqs.IQueue;
  /** Set when the account already has a trail that logs management write events. */
  readonly existingTrail?: string;
  readonly accessLogs: s3.IBucket;
  /** The central bus member accounts forward their Route 53 events to (several accounts). */
  readonly memberBus?: events.IEventBus;
  /**
   * Findings: the resource sources whose events this region's default bus hands to ingest
   * (`resourceSourcesIn`; empty or undefined: no rule).
   */
  readonly resourceSources?: readonly string[];
  /** Findings: the resource sources the member accounts forward to `memberBus`. */
  readonly memberResourceSources?: readonly string[];
}

/**
 * Change capture into ingest: a CloudTrail trail (EventBridge only sees "AWS API Call via
 * CloudTrail" events when a trail logs them), the rule on this region's default bus, the
 * 3-hourly sweep, and the sweep queue that carries continuations and targeted sweeps.
 *
 * In us-east-1 the rule sees Route 53's events directly; elsewhere `CaptureForwarderStack`
 * forwards them from us-east-1 to this region's default bus, where the same rule matches.
 */
export class Capture extends Construct {
  readonly trail?: cloudtrail.Trail;
  readonly changeRule: events.Rule;
  /** The same pattern on the member accounts' bus, when there is one. */
  readonly memberChangeRule?: events.Rule;
  /** Findings: resource events on this region's default bus to ingest. */
  readonly resourceRule?: events.Rule;
  /** Findings: resource events forwarded by member accounts to ingest. */
  readonly memberResourceRule?: events.Rule;
  readonly sweepSchedule: events.Rule;
  /** The sweep queue's mapping into ingest: sweep continuations and backfill tasks run from it. */
  readonly sweepQueueMapping: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: CaptureProps) {
    super(scope, id);

    if (!props.existingTrail) {
      this.trail = this.createTrail(props.accessLogs);
    }

    this.changeRule = new events.Rule(this, 'Route53Changes', {
      description: 'zonetrail: Route 53 zone and record changes (via CloudTrail) to ingest',
      eventPattern: ROUTE53_CHANGE_PATTERN,
      targets: [
        new targets.LambdaFunction(props.ingest, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    if (props.memberBus) {
      this.memberChangeRule = new events.Rule(this, 'MemberRoute53Changes', {
        description:
          'zonetrail: Route 53 changes in member accounts (forwarded to the central bus) to ingest',
        eventBus: props.memberBus,
        eventPattern: ROUTE53_CHANGE_PATTERN,
        targets: [
          new targets.LambdaFunction(props.ingest, {
            retryAttempts: 8,
            maxEventAge: Duration.hours(6),
          }),
        ],
      });
    }

    if (props.resourceSources?.length) {
      this.resourceRule = new events.Rule(this, 'ResourceChanges', {
        description:
          'zonetrail findings: resource changes (EIPs, interfaces, buckets, distributions, environments, health checks) to ingest',
        eventPattern: resourceChangePattern(props.resourceSources),
        targets: [
          new targets.LambdaFunction(props.ingest, {
            retryAttempts: 8,
            maxEventAge: Duration.hours(1),
          }),
        ],
      });
    }
    if (props.memberBus && props.memberResourceSources?.length) {
      this.memberResourceRule = new events.Rule(this, 'MemberResourceChanges', {
        description:
          'zonetrail findings: resource changes in member accounts (forwarded to the central bus) to ingest',
        eventBus: props.memberBus,
        eventPattern: resourceChangePattern(props.memberResourceSources),
        targets: [
          new targets.LambdaFunction(props.ingest, {
            retryAttempts: 8,
            maxEventAge: Duration.hours(1),
          }),
        ],
      });
    }

    this.sweepSchedule = new events.Rule(this, 'SweepSchedule', {
      description: 'zonetrail: full sweep of every hosted zone',
      schedule: SWEEP_SCHEDULE,
      targets: [
        new targets.LambdaFunction(props.ingest, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    // One message at a time: each continuation may use the whole function timeout, and two
    // concurrent sweeps already share Route 53's five requests per second.
    props.ingest.addEventSource(
      new SqsEventSource(props.sweepQueue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: 2,
      }),
    );
    // SqsEventSource keeps its mapping to itself; it is the function's child of this id.
    const mapping = props.ingest.node.tryFindChild(
      `SqsEventSource:${Names.nodeUniqueId(props.sweepQueue.node)}`,
    );
    if (!(mapping instanceof lambda.EventSourceMapping)) {
      throw new Error(
        `no event source mapping from the sweep queue under ${props.ingest.node.path}`,
      );
    }
    this.sweepQueueMapping = mapping;
  }

  private createTrail(accessLogs: s3.IBucket): cloudtrail.Trail {
    const bucket = new s3.Bucket(this, 'TrailBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'trail/',
      lifecycleRules: [
        { expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const trail = new cloudtrail.Trail(this, 'Trail', {
      bucket,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      // zonetrail needs write calls only; read-only calls would multiply the log volume.
      managementEvents: cloudtrail.ReadWriteType.WRITE_ONLY,
    });
    skipCheckov(
      trail,
      {
        id: 'CKV_AWS_35',
        reason:
          'Trail logs are encrypted with S3-managed keys in a private, TLS-only bucket; zonetrail reads events from EventBridge, not these files.',
      },
      {
        id: 'CKV_AWS_252',
        reason:
          'No one subscribes to log-file delivery notifications; changes reach zonetrail through EventBridge.',
      },
    );
    return trail;
  }
}

export interface CaptureForwarderStackProps extends StackProps {
  /** The region of the main stack, whose default event bus receives the forwarded events. */
  readonly targetRegion: string;
  /** Forward Route 53's zone and record changes (us-east-1 only; default: in us-east-1). */
  readonly route53?: boolean;
  /** Findings: the resource sources forwarded from this region (`resourceSourcesIn`). */
  readonly resourceSources?: readonly string[];
}

/**
 * A small stack in another region than the main stack's, forwarding CloudTrail events to the
 * main region's default bus (a cross-region event bus target), where the main stack's rules
 * hand them to ingest:
 *
 * - in us-east-1, Route 53's zone and record changes (they reach EventBridge there only), and
 *   with findings the global resources' events (CloudFront, Route 53 health checks);
 * - with findings, in each region of `regions`: EC2, S3 and Elastic Beanstalk events, which
 *   reach EventBridge in the region where they happen.
 */
export class CaptureForwarderStack extends Stack {
  /** Route 53's zone and record changes (us-east-1). */
  readonly forwardRule?: events.Rule;
  /** Findings: resource changes. */
  readonly resourceRule?: events.Rule;

  constructor(scope: Construct, id: string, props: CaptureForwarderStackProps) {
    super(scope, id, props);
    const route53 = props.route53 ?? this.region === ROUTE53_EVENTS_REGION;
    if (route53 && this.region !== ROUTE53_EVENTS_REGION) {
      throw new Error(
        `Route 53's events reach EventBridge in ${ROUTE53_EVENTS_REGION} only: a forwarder in ${this.region} cannot forward them`,
      );
    }
    if (this.region === props.targetRegion) {
      throw new Error(`a forwarder in ${this.region} would forward to its own region`);
    }
    const sources = props.resourceSources ?? [];
    if (!route53 && sources.length === 0) {
      throw new Error(`the forwarder in ${this.region} has nothing to forward`);
    }
    const mainBus = events.EventBus.fromEventBusArn(
      this,
      'MainRegionDefaultBus',
      Arn.format(
        {
          service: 'events',
          region: props.targetRegion,
          resource: 'event-bus',
          resourceName: 'default',
        },
        this,
      ),
    );
    if (route53) {
      this.forwardRule = new events.Rule(this, 'ForwardRoute53Changes', {
        description: `zonetrail: forward Route 53 change events to the default bus in ${props.targetRegion}`,
        eventPattern: ROUTE53_CHANGE_PATTERN,
        targets: [new targets.EventBus(mainBus)],
      });
    }
    if (sources.length > 0) {
      this.resourceRule = new events.Rule(this, 'ForwardResourceChanges', {
        description: `zonetrail findings: forward resource change events to the default bus in ${props.targetRegion}`,
        eventPattern: resourceChangePattern(sources),
        targets: [new targets.EventBus(mainBus)],
      });
    }
  }
}
