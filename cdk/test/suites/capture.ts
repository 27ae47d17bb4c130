import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROUTE53_CHANGE_EVENTS } from '../../lib/capture';
import { ACCOUNT, lambdaFunction, MAIN_REGION, refTarget, type Resource, synth } from '../helpers';

const EXPECTED_PATTERN = {
  source: ['aws.route53'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: {
    eventSource: ['route53.amazonaws.com'],
    eventName: [
      'ChangeResourceRecordSets',
      'CreateHostedZone',
      'DeleteHostedZone',
      'AssociateVPCWithHostedZone',
      'DisassociateVPCFromHostedZone',
    ],
  },
};

describe('change capture', () => {
  const { template, forwarderTemplate, forwarder, main } = synth();
  // Change capture's record-path rules; notifications and findings have their own
  // (test/suites/notifications.ts, test/suites/findings.ts).
  const rules = () =>
    Object.entries(template.findResources('AWS::Events::Rule') as Record<string, Resource>)
      .filter(
        ([id]) =>
          !id.startsWith('Notifications') &&
          !id.startsWith('Findings') &&
          !id.startsWith('CaptureResourceChanges'),
      )
      .map(([, r]) => r);

  it('sends Route 53 CloudTrail events on the main bus to ingest', () => {
    const [ingestId] = lambdaFunction(template, 'Ingest');
    const matching = rules().filter((r) => r.Properties.EventPattern);
    assert.equal(matching.length, 1);
    assert.deepEqual(matching[0].Properties.EventPattern, EXPECTED_PATTERN);
    assert.equal(matching[0].Properties.EventBusName, undefined, 'the default bus');
    const targets = matching[0].Properties.Targets;
    assert.equal(targets.length, 1);
    assert.equal(refTarget(targets[0].Arn), ingestId);
    assert.ok(targets[0].RetryPolicy.MaximumRetryAttempts > 0);
  });

  it('lists the five Route 53 calls that change zones, records or zone VPCs', () => {
    assert.deepEqual(ROUTE53_CHANGE_EVENTS, EXPECTED_PATTERN.detail.eventName);
  });

  it('sweeps every 3 hours through ingest', () => {
    const [ingestId] = lambdaFunction(template, 'Ingest');
    const scheduled = rules().filter((r) => r.Properties.ScheduleExpression);
    assert.equal(scheduled.length, 1);
    assert.equal(scheduled[0].Properties.ScheduleExpression, 'rate(3 hours)');
    assert.equal(refTarget(scheduled[0].Properties.Targets[0].Arn), ingestId);
  });

  it('lets EventBridge invoke ingest for each rule that targets it, and for no other', () => {
    const [ingestId] = lambdaFunction(template, 'Ingest');
    const permitted = Object.values(
      template.findResources('AWS::Lambda::Permission') as Record<string, Resource>,
    )
      .filter(
        (p) =>
          refTarget(p.Properties.FunctionName) === ingestId &&
          p.Properties.Principal === 'events.amazonaws.com',
      )
      .map((p) => refTarget(p.Properties.SourceArn))
      .sort();
    const targeting = Object.entries(
      template.findResources('AWS::Events::Rule') as Record<string, Resource>,
    )
      .filter(([, r]) => r.Properties.Targets.some((t: any) => refTarget(t.Arn) === ingestId))
      .map(([id]) => id)
      .sort();
    // The Route 53 rule and the sweep; with findings (the default) the resource events and
    // the resource sweep.
    assert.equal(targeting.length, 4);
    assert.deepEqual(permitted, targeting);
  });

  it('creates a multi-region trail with global service events and log validation', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      IsLogging: true,
    });
  });

  it('creates no trail when context says the account has one', () => {
    const { template: t } = synth({ existingTrail: 'organization-trail' });
    t.resourceCountIs('AWS::CloudTrail::Trail', 0);
    const pattern = Object.values(t.findResources('AWS::Events::Rule')).find(
      (r) => r.Properties.EventPattern,
    );
    assert.deepEqual(pattern?.Properties.EventPattern, EXPECTED_PATTERN);
  });

  it(`forwards the events from us-east-1 to ${MAIN_REGION} in a small stack of its own`, () => {
    assert.ok(forwarder && forwarderTemplate);
    assert.equal(forwarder.region, 'us-east-1');
    assert.equal(forwarder.account, ACCOUNT);
    assert.ok(forwarder.dependencies.includes(main), 'deployed after the main stack');
    // With findings (the default) a second rule forwards the resource events
    // (test/suites/findings.ts).
    const fwdRules = Object.entries(
      forwarderTemplate.findResources('AWS::Events::Rule') as Record<string, Resource>,
    )
      .filter(([id]) => id.startsWith('ForwardRoute53Changes'))
      .map(([, r]) => r);
    assert.equal(fwdRules.length, 1);
    assert.deepEqual(fwdRules[0].Properties.EventPattern, EXPECTED_PATTERN);
    const [target] = fwdRules[0].Properties.Targets;
    assert.equal(target.Arn, `arn:aws:events:${MAIN_REGION}:${ACCOUNT}:event-bus/default`);
    assert.ok(target.RoleArn, 'cross-region targets need a role');

    const roleId = refTarget(target.RoleArn)!;
    const policies = Object.values(
      forwarderTemplate.findResources('AWS::IAM::Policy') as Record<string, Resource>,
    ).filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    assert.deepEqual(
      statements.map((s: any) => s.Action),
      ['events:PutEvents'],
    );
    assert.deepEqual(
      statements.map((s: any) => s.Resource),
      [`arn:aws:events:${MAIN_REGION}:${ACCOUNT}:event-bus/default`],
    );
    // Nothing else lives in us-east-1.
    assert.deepEqual(
      [
        ...new Set(Object.values(forwarderTemplate.toJSON().Resources).map((r: any) => r.Type)),
      ].sort(),
      ['AWS::Events::Rule', 'AWS::IAM::Policy', 'AWS::IAM::Role'],
    );
  });

  it('needs no forwarder when the main stack is in us-east-1', () => {
    const { forwarder: none, template: t } = synth({ region: 'us-east-1' });
    assert.equal(none, undefined);
    const pattern = Object.values(t.findResources('AWS::Events::Rule')).find(
      (r) => r.Properties.EventPattern,
    );
    assert.deepEqual(pattern?.Properties.EventPattern, EXPECTED_PATTERN);
  });
});
