import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { FindingsMode, readConfig, RustEnv } from '../../lib/config';
import { findingsSchedules } from '../../lib/findings';
import { MAX_RECEIVE_COUNT } from '../../lib/queues';
import {
  ACCOUNT,
  asArray,
  endpointIngress,
  type FunctionName,
  functionSecurityGroup,
  lambdaFunction,
  MAIN_REGION,
  refTarget,
  type Resource,
  resourceByPrefix,
  roleStatements,
  synth,
} from '../helpers';

/** The resource events of docs/deploy.md, "Findings" (and the shared spec), by source. */
const EVENTS: Record<string, [string, string[]]> = {
  'aws.ec2': [
    'ec2.amazonaws.com',
    [
      'AllocateAddress',
      'ReleaseAddress',
      'AssociateAddress',
      'DisassociateAddress',
      'CreateNetworkInterface',
      'DeleteNetworkInterface',
      'RunInstances',
      'TerminateInstances',
    ],
  ],
  'aws.s3': ['s3.amazonaws.com', ['CreateBucket', 'DeleteBucket']],
  'aws.elasticbeanstalk': [
    'elasticbeanstalk.amazonaws.com',
    ['CreateEnvironment', 'TerminateEnvironment'],
  ],
  'aws.cloudfront': [
    'cloudfront.amazonaws.com',
    ['CreateDistribution', 'DeleteDistribution', 'UpdateDistribution'],
  ],
  'aws.route53': ['route53.amazonaws.com', ['CreateHealthCheck', 'DeleteHealthCheck']],
};
const REGIONAL = ['aws.ec2', 'aws.s3', 'aws.elasticbeanstalk'];
const GLOBAL = ['aws.cloudfront', 'aws.route53'];

/** The pattern a rule for these sources must have, in CloudFormation's form. */
function pattern(sources: string[]): unknown {
  return {
    source: sources,
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: sources.map((s) => EVENTS[s][0]),
      eventName: sources.flatMap((s) => EVENTS[s][1]),
    },
  };
}

const rulesOf = (t: Template) =>
  Object.entries(t.findResources('AWS::Events::Rule') as Record<string, Resource>);
const onlyRule = (t: Template, prefix: string): [string, Resource] =>
  resourceByPrefix(t, 'AWS::Events::Rule', prefix);
const noRule = (t: Template, prefix: string) =>
  assert.deepEqual(
    rulesOf(t)
      .map(([id]) => id)
      .filter((id) => id.startsWith(prefix)),
    [],
    `no ${prefix} rule`,
  );

/** What `scripts`/operators see as the rule's input: the parsed JSON. */
const input = (rule: Resource) => JSON.parse(rule.Properties.Targets[0].Input);

const env = (t: Template, name: FunctionName) =>
  lambdaFunction(t, name)[1].Properties.Environment.Variables as Record<string, unknown>;

/** The queues whose logical ids start with `QueuesFindings` (the findings queue and its DLQ). */
const findingsQueues = (t: Template) =>
  Object.entries(t.findResources('AWS::SQS::Queue') as Record<string, Resource>).filter(([id]) =>
    id.startsWith('QueuesFindings'),
  );

const endpointIds = (t: Template, prefix: string) =>
  Object.keys(t.findResources('AWS::EC2::VPCEndpoint')).filter((id) => id.startsWith(prefix));

const ORG = { accounts: 'org', organizationId: 'o-exampleorg1' };

describe('findings', () => {
  describe('on (the default)', () => {
    const { template, forwarder, forwarderTemplate, forwarders } = synth();
    const [ingestId] = lambdaFunction(template, 'Ingest');
    const [evaluatorId, evaluator] = lambdaFunction(template, 'FindingsEvaluator');
    const [[queueId, queue]] = findingsQueues(template).filter(
      ([id]) => !id.startsWith('QueuesFindingsDlq'),
    );
    const [dlqId, dlq] = resourceByPrefix(template, 'AWS::SQS::Queue', 'QueuesFindingsDlq');

    it('runs the resource sweep on ingest every hour at minute 0', () => {
      const [id, rule] = onlyRule(template, 'FindingsResourceSweepSchedule');
      assert.equal(rule.Properties.ScheduleExpression, 'cron(0 * * * ? *)');
      assert.equal(rule.Properties.Targets.length, 1);
      assert.equal(refTarget(rule.Properties.Targets[0].Arn), ingestId);
      assert.deepEqual(input(rule), { resource_sweep: {} });
      const allowed = Object.values(
        template.findResources('AWS::Lambda::Permission') as Record<string, Resource>,
      ).filter((p) => refTarget(p.Properties.SourceArn) === id);
      assert.equal(allowed.length, 1);
      assert.equal(refTarget(allowed[0].Properties.FunctionName), ingestId);
    });

    it('has the findings evaluator evaluate every record 10 minutes after each resource sweep', () => {
      const [id, rule] = onlyRule(template, 'FindingsEvaluateSchedule');
      assert.equal(rule.Properties.ScheduleExpression, 'cron(10 * * * ? *)');
      assert.equal(rule.Properties.Targets.length, 1);
      assert.equal(refTarget(rule.Properties.Targets[0].Arn), evaluatorId);
      assert.deepEqual(input(rule), { findings: {} });
      // A missed evaluation is made good by the next: few retries, and not older than 10 min.
      assert.equal(rule.Properties.Targets[0].RetryPolicy.MaximumRetryAttempts, 1);
      assert.equal(rule.Properties.Targets[0].RetryPolicy.MaximumEventAgeInSeconds, 600);
      const allowed = Object.values(
        template.findResources('AWS::Lambda::Permission') as Record<string, Resource>,
      ).filter((p) => refTarget(p.Properties.SourceArn) === id);
      assert.equal(allowed.length, 1);
      assert.equal(refTarget(allowed[0].Properties.FunctionName), evaluatorId);
    });

    it('tells ingest where ip-ranges.json is, the writer to queue, and the evaluator to evaluate', () => {
      const ingest = env(template, 'Ingest');
      assert.equal(ingest[RustEnv.ipRangesUrl], 'https://ip-ranges.amazonaws.com/ip-ranges.json');
      assert.equal(ingest[RustEnv.regions], undefined, 'every enabled region');
      const writer = env(template, 'Writer');
      assert.equal(writer[RustEnv.findings], FindingsMode.queue);
      assert.deepEqual(writer[RustEnv.findingsQueueUrl], { Ref: queueId });
      // The evaluator: the writer's environment (database, pool, account, notifications), with
      // evaluator instead of queue, and no queue URL.
      const { [RustEnv.findings]: _mode, [RustEnv.findingsQueueUrl]: _url, ...writerRest } = writer;
      const { [RustEnv.findings]: mode, ...evaluatorRest } = env(template, 'FindingsEvaluator');
      assert.equal(mode, FindingsMode.evaluator);
      assert.deepEqual(evaluatorRest, writerRest);
      // Ingest runs outside the VPC: it reaches the URL over Lambda's own internet access.
      const [, fn] = lambdaFunction(template, 'Ingest');
      assert.equal(fn.Properties.VpcConfig, undefined);
    });

    it("grants ingest the resource sweep's reads (ingest/src/resources), on *", () => {
      const reads = roleStatements(template, 'Ingest').find(
        (s) => s.Sid === 'FindingsResourceReads',
      );
      assert.deepEqual(asArray(reads.Action).sort(), [
        'cloudfront:ListDistributions',
        'ec2:DescribeAddresses',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeRegions',
        'elasticbeanstalk:DescribeEnvironments',
        'route53:ListHealthChecks',
        's3:ListAllMyBuckets',
      ]);
      assert.equal(reads.Resource, '*');
      for (const a of asArray<string>(reads.Action)) {
        assert.match(a, /^[a-z0-9]+:(Describe|List)[A-Za-z]+$/, `${a} only reads`);
      }
    });

    it('has a findings queue with a DLQ: encrypted, TLS only, visible 6x the evaluator timeout', () => {
      assert.equal(findingsQueues(template).length, 2, 'the queue and its DLQ');
      for (const [id, q] of [
        [queueId, queue],
        [dlqId, dlq],
      ] as const) {
        assert.equal(q.Properties.SqsManagedSseEnabled, true, id);
        assert.equal(q.Properties.MaximumMessageSize, 262_144, id);
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: id }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
      assert.equal(queue.Properties.RedrivePolicy.maxReceiveCount, MAX_RECEIVE_COUNT);
      assert.equal(refTarget(queue.Properties.RedrivePolicy.deadLetterTargetArn), dlqId);
      assert.equal(evaluator.Properties.Timeout, 300);
      assert.equal(queue.Properties.VisibilityTimeout, 6 * 300);
    });

    it('lets the writer send to the findings queue only, through an SQS endpoint open to it alone', () => {
      const sends = roleStatements(template, 'Writer').filter((s) =>
        asArray<string>(s.Action).includes('sqs:SendMessage'),
      );
      assert.deepEqual(
        sends.flatMap((s) => asArray(s.Resource).map(refTarget)),
        [queueId],
      );
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: 'com.amazonaws.eu-west-1.sqs',
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
      });
      assert.deepEqual(endpointIngress(template, 'NetworkVpcSqs'), [
        [functionSecurityGroup(template, 'Writer'), 443],
      ]);
    });

    it('runs the findings evaluator on the findings queue: batches of 10, partial failures, at most 2 at once', () => {
      const mappings = Object.values(
        template.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Resource>,
      ).filter((m) => refTarget(m.Properties.FunctionName) === evaluatorId);
      assert.equal(mappings.length, 1);
      const m = mappings[0].Properties;
      assert.equal(refTarget(m.EventSourceArn), queueId);
      assert.equal(m.BatchSize, 10);
      assert.ok(!m.MaximumBatchingWindowInSeconds, 'no batching window');
      assert.deepEqual(m.FunctionResponseTypes, ['ReportBatchItemFailures']);
      assert.equal(m.ScalingConfig.MaximumConcurrency, 2);
      assert.equal(evaluator.Properties.MemorySize, 512);
      assert.match(evaluator.Properties.Description, /^zonetrail findings: /);
      assert.ok(evaluator.Properties.VpcConfig, 'in the VPC, like the writer');
      // Nothing else consumes the findings queue.
      const consumers = Object.values(
        template.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Resource>,
      ).filter((x) => refTarget(x.Properties.EventSourceArn) === queueId);
      assert.equal(consumers.length, 1);
    });

    it('grants the evaluator, not the writer, CheckDNSAvailability, through an endpoint open to it alone', () => {
      const beanstalk = (name: FunctionName) =>
        roleStatements(template, name).filter((s) =>
          asArray<string>(s.Action).some((a) => a.startsWith('elasticbeanstalk:')),
        );
      assert.deepEqual(
        beanstalk('FindingsEvaluator').map((s) => [s.Action, s.Resource]),
        [['elasticbeanstalk:CheckDNSAvailability', '*']],
      );
      assert.deepEqual(beanstalk('Writer'), []);
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: 'com.amazonaws.eu-west-1.elasticbeanstalk',
        PrivateDnsEnabled: true,
      });
      assert.deepEqual(endpointIngress(template, 'NetworkVpcElasticBeanstalk'), [
        [functionSecurityGroup(template, 'FindingsEvaluator'), 443],
      ]);
    });

    it('alarms when the findings DLQ holds a message, and when the evaluator fails', () => {
      const [, dlqAlarm] = resourceByPrefix(
        template,
        'AWS::CloudWatch::Alarm',
        'OperationsFindingsDlqNotEmpty',
      );
      assert.equal(dlqAlarm.Properties.MetricName, 'ApproximateNumberOfMessagesVisible');
      assert.equal(refTarget(dlqAlarm.Properties.Dimensions[0].Value), dlqId);
      assert.equal(dlqAlarm.Properties.ComparisonOperator, 'GreaterThanThreshold');
      assert.equal(dlqAlarm.Properties.Threshold, 0);
      const [, errors] = resourceByPrefix(
        template,
        'AWS::CloudWatch::Alarm',
        'OperationsFindingsEvaluatorErrors',
      );
      assert.equal(errors.Properties.MetricName, 'Errors');
      assert.equal(refTarget(errors.Properties.Dimensions[0].Value), evaluatorId);
    });

    it('publishes notifications from the evaluator as from the writer (the finding outbox)', () => {
      const [busId] = resourceByPrefix(template, 'AWS::Events::EventBus', 'NotificationsBus');
      const puts = roleStatements(template, 'FindingsEvaluator').filter((s) =>
        asArray(s.Action).includes('events:PutEvents'),
      );
      assert.deepEqual(
        puts.flatMap((s) => asArray(s.Resource).map(refTarget)),
        [busId],
      );
      assert.equal(env(template, 'FindingsEvaluator')[RustEnv.notify], 'eventbridge');
      assert.deepEqual(
        endpointIngress(template, 'NetworkVpcEventBridge').sort(),
        [
          [functionSecurityGroup(template, 'Writer'), 443],
          [functionSecurityGroup(template, 'FindingsEvaluator'), 443],
        ].sort(),
      );
    });

    it('alarms when a resource listing fails (its findings stay undecided)', () => {
      const [, alarm] = resourceByPrefix(
        template,
        'AWS::CloudWatch::Alarm',
        'FindingsResourceListingsFailed',
      );
      const p = alarm.Properties;
      assert.equal(p.Namespace, 'zonetrail');
      assert.equal(p.MetricName, 'ResourceListingsFailed');
      assert.deepEqual(p.Dimensions, [{ Name: 'Stage', Value: 'ingest' }]);
      assert.equal(p.Statistic, 'Sum');
      assert.equal(p.Threshold, 1);
      const [topicId] = resourceByPrefix(template, 'AWS::SNS::Topic', 'OperationsAlarms');
      assert.deepEqual(p.AlarmActions.map(refTarget), [topicId]);
    });

    it(`hands ${MAIN_REGION}'s EC2, S3 and Beanstalk events on the default bus to ingest`, () => {
      const [, rule] = onlyRule(template, 'CaptureResourceChanges');
      assert.deepEqual(rule.Properties.EventPattern, pattern(REGIONAL));
      assert.equal(rule.Properties.EventBusName, undefined, 'the default bus');
      assert.equal(refTarget(rule.Properties.Targets[0].Arn), ingestId);
      assert.ok(rule.Properties.Targets[0].RetryPolicy.MaximumRetryAttempts > 0);
    });

    it("forwards us-east-1's resource events (the global ones among them) to the main region", () => {
      assert.ok(forwarder && forwarderTemplate);
      assert.deepEqual([...forwarders.keys()], ['us-east-1']);
      const [, rule] = onlyRule(forwarderTemplate, 'ForwardResourceChanges');
      // Every region is watched (no `regions`): us-east-1's regional events too.
      assert.deepEqual(rule.Properties.EventPattern, pattern([...REGIONAL, ...GLOBAL]));
      const [target] = rule.Properties.Targets;
      assert.equal(target.Arn, `arn:aws:events:${MAIN_REGION}:${ACCOUNT}:event-bus/default`);
      const roleId = refTarget(target.RoleArn)!;
      const statements = Object.values(
        forwarderTemplate.findResources('AWS::IAM::Policy') as Record<string, Resource>,
      )
        .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
      assert.deepEqual(
        statements.map((s: any) => [s.Action, s.Resource]),
        [['events:PutEvents', `arn:aws:events:${MAIN_REGION}:${ACCOUNT}:event-bus/default`]],
      );
      onlyRule(forwarderTemplate, 'ForwardRoute53Changes');
    });

    it('takes every resource event in the main stack when it is in us-east-1', () => {
      const { template: t, forwarders: none } = synth({ region: 'us-east-1' });
      assert.equal(none.size, 0);
      const [, rule] = onlyRule(t, 'CaptureResourceChanges');
      assert.deepEqual(rule.Properties.EventPattern, pattern([...REGIONAL, ...GLOBAL]));
    });

    it('keeps the record path apart: zone events on their rule, health checks on the resource rule', () => {
      const [, route53] = onlyRule(template, 'CaptureRoute53Changes');
      const names = route53.Properties.EventPattern.detail.eventName as string[];
      assert.ok(!names.includes('CreateHealthCheck') && !names.includes('DeleteHealthCheck'));
      const { template: t } = synth({ region: 'us-east-1' });
      const [, resources] = onlyRule(t, 'CaptureResourceChanges');
      const resourceNames = resources.Properties.EventPattern.detail.eventName as string[];
      for (const n of names) assert.ok(!resourceNames.includes(n), `${n} on one rule only`);
    });
  });

  describe('regions', () => {
    const regions = 'eu-west-1,eu-central-1,us-west-2';
    const { template, forwarders, main } = synth({ regions });

    it('tells ingest which regions to read', () => {
      assert.equal(env(template, 'Ingest')[RustEnv.regions], regions);
    });

    it('deploys a forwarder of EC2, S3 and Beanstalk events in each other watched region', () => {
      assert.deepEqual([...forwarders.keys()].sort(), ['eu-central-1', 'us-east-1', 'us-west-2']);
      for (const region of ['eu-central-1', 'us-west-2']) {
        const stack = forwarders.get(region)!;
        assert.equal(stack.stackName, `Zonetrail-Capture-${region}`);
        assert.equal(stack.region, region);
        assert.equal(stack.account, ACCOUNT);
        assert.ok(stack.dependencies.includes(main), 'deployed after the main stack');
        assert.equal(stack.forwardRule, undefined, "Route 53's events are not there");
        const t = synth({ regions }).app.synth().getStackByName(stack.stackName).template;
        const rules = Object.values(t.Resources as Record<string, Resource>).filter(
          (r) => r.Type === 'AWS::Events::Rule',
        );
        assert.equal(rules.length, 1, region);
        assert.deepEqual(rules[0].Properties.EventPattern, pattern(REGIONAL));
        assert.equal(
          rules[0].Properties.Targets[0].Arn,
          `arn:aws:events:${MAIN_REGION}:${ACCOUNT}:event-bus/default`,
        );
      }
    });

    it('forwards only the global resources from us-east-1 when it is not watched', () => {
      const us = forwarders.get('us-east-1')!;
      const t = synth({ regions }).app.synth().getStackByName(us.stackName).template;
      const rules = Object.entries(t.Resources as Record<string, Resource>).filter(
        ([, r]) => r.Type === 'AWS::Events::Rule',
      );
      const resource = rules.filter(([id]) => id.startsWith('ForwardResourceChanges'));
      assert.equal(resource.length, 1);
      assert.deepEqual(resource[0][1].Properties.EventPattern, pattern(GLOBAL));
      assert.equal(rules.length, 2, 'and the Route 53 changes');
    });

    it('takes no regional events in the main region when it is not watched', () => {
      const { template: t } = synth({ regions: 'eu-central-1' });
      noRule(t, 'CaptureResourceChanges');
    });
  });

  describe('schedules', () => {
    it('keeps the sweep at fixed minutes and the evaluation after it', () => {
      assert.deepEqual(findingsSchedules(60), {
        sweep: 'cron(0 * * * ? *)',
        evaluate: 'cron(10 * * * ? *)',
      });
      assert.deepEqual(findingsSchedules(180), {
        sweep: 'cron(0 0/3 * * ? *)',
        evaluate: 'cron(10 0/3 * * ? *)',
      });
      assert.deepEqual(findingsSchedules(30), {
        sweep: 'cron(0/30 * * * ? *)',
        evaluate: 'cron(10/30 * * * ? *)',
      });
      assert.deepEqual(findingsSchedules(15), {
        sweep: 'cron(0/15 * * * ? *)',
        evaluate: 'cron(7/15 * * * ? *)',
      });
    });

    it('takes the interval from context resourceSweepMinutes', () => {
      const { template } = synth({ resourceSweepMinutes: '360' });
      const [, sweep] = onlyRule(template, 'FindingsResourceSweepSchedule');
      assert.equal(sweep.Properties.ScheduleExpression, 'cron(0 0/6 * * ? *)');
      const [, evaluate] = onlyRule(template, 'FindingsEvaluateSchedule');
      assert.equal(evaluate.Properties.ScheduleExpression, 'cron(10 0/6 * * ? *)');
    });
  });

  describe('off (context findings=false)', () => {
    const { template, forwarderTemplate } = synth({ findings: 'false' });

    it('deploys no schedule, no resource rule, no queue, no evaluator, no endpoint, no alarm and no grant of findings', () => {
      noRule(template, 'Findings');
      assert.deepEqual(
        Object.keys(template.findResources('AWS::CloudWatch::Alarm')).filter((id) =>
          /^(Operations)?Findings/.test(id),
        ),
        [],
      );
      assert.deepEqual(findingsQueues(template), []);
      assert.deepEqual(
        Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) =>
          id.startsWith('FunctionsFindingsEvaluator'),
        ),
        [],
      );
      noRule(template, 'CaptureResourceChanges');
      noRule(forwarderTemplate!, 'ForwardResourceChanges');
      assert.deepEqual(endpointIds(template, 'NetworkVpcElasticBeanstalk'), []);
      assert.deepEqual(endpointIds(template, 'NetworkVpcSqs'), []);
      const actions = [
        ...roleStatements(template, 'Ingest'),
        ...roleStatements(template, 'Writer'),
      ].flatMap((s) => asArray<string>(s.Action));
      for (const a of actions) {
        assert.ok(
          !/^(ec2|s3|cloudfront|elasticbeanstalk):/.test(a) && a !== 'route53:ListHealthChecks',
          a,
        );
      }
      const writerActions = roleStatements(template, 'Writer').flatMap((s) =>
        asArray<string>(s.Action),
      );
      assert.ok(!writerActions.includes('sqs:SendMessage'), 'the writer sends to no queue');
    });

    it('tells the writer findings are off, and ingest nothing of them', () => {
      const writer = env(template, 'Writer');
      assert.equal(writer[RustEnv.findings], FindingsMode.off);
      assert.equal(writer[RustEnv.findingsQueueUrl], undefined);
      const ingest = env(template, 'Ingest');
      assert.equal(ingest[RustEnv.ipRangesUrl], undefined);
      assert.equal(ingest[RustEnv.regions], undefined);
    });

    it('keeps the member template as it was: us-east-1 only, Route 53 only', () => {
      const { memberTemplate, template: t } = synth({ ...ORG, findings: 'false' });
      const member = memberTemplate!.toJSON();
      assert.deepEqual(Object.keys(member.Rules), ['OnlyInUsEast1']);
      const resources = Object.values(member.Resources as Record<string, Resource>);
      assert.equal(resources.filter((r) => r.Type === 'AWS::Events::Rule').length, 1);
      const [role] = resources.filter((r) => r.Properties.RoleName);
      assert.deepEqual(
        role.Properties.Policies.map((p: any) => p.PolicyName),
        ['route53-read', 'cloudtrail-lookup'],
      );
      const [, bus] = Object.entries(
        t.findResources('AWS::Events::EventBus') as Record<string, Resource>,
      ).filter(([id]) => !id.startsWith('NotificationsBus'))[0];
      assert.deepEqual(bus.Properties.Policy.Statement[0].Condition['ForAllValues:StringEquals'], {
        'events:source': ['aws.route53'],
      });
    });
  });

  describe('several accounts', () => {
    const { template, memberTemplate } = synth(ORG);

    it("hands the member accounts' resource events on the central bus to ingest", () => {
      const [ingestId] = lambdaFunction(template, 'Ingest');
      const [, rule] = onlyRule(template, 'CaptureMemberResourceChanges');
      assert.deepEqual(rule.Properties.EventPattern, pattern([...REGIONAL, ...GLOBAL]));
      const [busId] = Object.keys(template.findResources('AWS::Events::EventBus')).filter((id) =>
        id.startsWith('OrganizationMemberChanges'),
      );
      assert.equal(refTarget(rule.Properties.EventBusName), busId);
      assert.equal(refTarget(rule.Properties.Targets[0].Arn), ingestId);
    });

    it('forwards every resource event from each member region to the central bus', () => {
      const member = memberTemplate!.toJSON();
      const [rule] = Object.entries(member.Resources as Record<string, Resource>)
        .filter(([id]) => id.startsWith('ForwardResourceChanges'))
        .map(([, r]) => r);
      assert.deepEqual(rule.Properties.EventPattern, pattern([...REGIONAL, ...GLOBAL]));
      assert.deepEqual(rule.Properties.Targets[0].Arn, { Ref: 'CentralEventBusArn' });
      const [route53Rule] = Object.entries(member.Resources as Record<string, Resource>)
        .filter(([id]) => id.startsWith('ForwardRoute53Changes'))
        .map(([, r]) => r);
      assert.deepEqual(
        rule.Properties.Targets[0].RoleArn,
        route53Rule.Properties.Targets[0].RoleArn,
      );
      assert.equal(member.Rules, undefined, 'deployable to any region');
    });
  });

  describe('context', () => {
    const read = (context: Record<string, unknown>) => readConfig(new App({ context }).node, {});

    it('reads the defaults and the settings', () => {
      const d = read({}).findings;
      assert.deepEqual(d, {
        enabled: true,
        regions: undefined,
        resourceSweepMinutes: 60,
        ipRangesUrl: 'https://ip-ranges.amazonaws.com/ip-ranges.json',
      });
      const f = read({
        regions: ' eu-west-1, us-gov-west-1,eu-west-1',
        resourceSweepMinutes: '30',
        ipRangesUrl: 'off',
      }).findings;
      assert.deepEqual(f.regions, ['eu-west-1', 'us-gov-west-1']);
      assert.equal(f.resourceSweepMinutes, 30);
      assert.equal(f.ipRangesUrl, 'off');
      assert.equal(read({ findings: 'off' }).findings.enabled, false);
    });

    it('rejects a malformed value, naming the parameter', () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ regions: 'eu-west' }, /context regions: "eu-west" is not an AWS region/],
        [{ regions: 'eu-west-1,EU-WEST-2' }, /context regions: "EU-WEST-2"/],
        [{ resourceSweepMinutes: '7' }, /context resourceSweepMinutes/],
        [{ resourceSweepMinutes: '90' }, /context resourceSweepMinutes/],
        [{ resourceSweepMinutes: '420' }, /context resourceSweepMinutes/],
        [{ resourceSweepMinutes: '2' }, /context resourceSweepMinutes/],
        [{ ipRangesUrl: 'http://ip-ranges.example.com/x.json' }, /context ipRangesUrl/],
        [{ findings: 'maybe' }, /context findings/],
        [{ findings: 'false', regions: 'eu-west-1' }, /context regions: only with findings on/],
      ];
      for (const [context, message] of cases) {
        assert.throws(() => read(context), message, JSON.stringify(context));
      }
    });
  });
});
