import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { MEMBER_STAGE } from '../../lib/app';
import { readConfig, RustEnv } from '../../lib/config';
import { ORGANIZATIONS_READ_ACTIONS } from '../../lib/organizations';
import {
  ACCOUNT,
  asArray,
  lambdaFunction,
  MAIN_REGION,
  refTarget,
  type Resource,
  roleStatements,
  synth,
} from '../helpers';

const ORG_ID = 'o-exampleorg1';
/** Only roles of the caller's own organization: an IAM policy variable, not a JS template. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, resolved by IAM
const SAME_ORG = { StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } };
const OU = 'ou-ab12-cd34ef56';
const ORG = { accounts: 'org', organizationId: ORG_ID, ous: OU };
const LIST = { accounts: '222222222222, 333333333333', organizationId: ORG_ID };

const ROUTE53_PATTERN = {
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

const NEW_INGEST_VARIABLES = [
  RustEnv.accounts,
  RustEnv.accountsExclude,
  RustEnv.ous,
  RustEnv.roleName,
  RustEnv.externalId,
  RustEnv.sweepConcurrency,
];

/** Every statement of every IAM policy and role in a template. */
function allStatements(t: ReturnType<typeof synth>['template']): any[] {
  const out: any[] = [];
  for (const r of Object.values(t.toJSON().Resources as Record<string, Resource>)) {
    if (r.Type === 'AWS::IAM::Policy') out.push(...r.Properties.PolicyDocument.Statement);
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of r.Properties.Policies ?? []) out.push(...p.PolicyDocument.Statement);
    }
  }
  return out;
}

const actionsOf = (statements: any[]) => statements.flatMap((s) => asArray<string>(s.Action));

/** Resolve a CloudFormation condition of the member template for given parameter values. */
function evaluate(expr: any, params: Record<string, string>, conditions: any): any {
  if (typeof expr === 'string') return expr;
  if (expr.Ref) return params[expr.Ref];
  if (expr['Fn::Equals']) {
    const [a, b] = expr['Fn::Equals'].map((e: any) => evaluate(e, params, conditions));
    return a === b;
  }
  if (expr['Fn::Not']) return !evaluate(expr['Fn::Not'][0], params, conditions);
  if (expr['Fn::And']) return expr['Fn::And'].every((e: any) => evaluate(e, params, conditions));
  if (expr.Condition) return evaluate(conditions[expr.Condition], params, conditions);
  throw new Error(`cannot evaluate ${JSON.stringify(expr)}`);
}

/** The member role's trust statement as CloudFormation would see it with these parameters. */
function trustFor(member: any, params: Record<string, string>): any {
  const defaults = Object.fromEntries(
    Object.entries(member.Parameters as Record<string, any>).map(([k, v]) => [k, v.Default]),
  );
  const values = { ...defaults, ...params };
  const [role] = Object.values(member.Resources as Record<string, Resource>).filter(
    (r) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName,
  );
  const [statement] = role.Properties.AssumeRolePolicyDocument.Statement;
  const cond = statement.Condition['Fn::If'];
  const chosen = evaluate({ Condition: cond[0] }, values, member.Conditions) ? cond[1] : cond[2];
  return { ...statement, Condition: chosen };
}

describe('several accounts (Organizations)', () => {
  describe('accounts=self (the default)', () => {
    const { template, member, main } = synth();

    it('grants no role assumption and no Organizations read', () => {
      const actions = actionsOf(allStatements(template));
      assert.ok(!actions.some((a) => a.startsWith('sts:') || a.startsWith('organizations:')));
      for (const s of roleStatements(template, 'Ingest')) assert.equal(s.Condition, undefined);
    });

    it('creates no central bus, no member template and no new output', () => {
      // Only the notifications' bus (test/suites/notifications.ts).
      assert.deepEqual(
        Object.keys(template.findResources('AWS::Events::EventBus')).map((id) =>
          id.startsWith('NotificationsBus'),
        ),
        [true],
      );
      template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
      assert.equal(member, undefined);
      assert.equal(main.central, undefined);
      const outputs = Object.keys(template.toJSON().Outputs);
      assert.ok(!outputs.includes('MemberEventBusArn') && !outputs.includes('IngestRoleArn'));
    });

    it('gives ingest none of the account variables and its role no fixed name', () => {
      const [, ingest] = lambdaFunction(template, 'Ingest');
      const env = Object.keys(ingest.Properties.Environment.Variables);
      for (const v of NEW_INGEST_VARIABLES) assert.ok(!env.includes(v), v);
      const role = template.toJSON().Resources[refTarget(ingest.Properties.Role)!];
      assert.equal(role.Properties.RoleName, undefined);
    });
  });

  describe('accounts=org', () => {
    const { template, app, memberTemplate } = synth(ORG);

    it('lets ingest assume only the member role, in accounts of its own organization', () => {
      const assume = roleStatements(template, 'Ingest').filter((s) =>
        asArray<string>(s.Action).some((a) => a.startsWith('sts:')),
      );
      assert.deepEqual(assume, [
        {
          Sid: 'AssumeMemberRole',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: 'arn:aws:iam::*:role/zonetrail-readonly',
          Condition: SAME_ORG,
        },
      ]);
    });

    it('lets ingest read the organization, read-only', () => {
      const reads = roleStatements(template, 'Ingest').filter((s) =>
        asArray<string>(s.Action).some((a) => a.startsWith('organizations:')),
      );
      assert.equal(reads.length, 1);
      assert.deepEqual(asArray(reads[0].Action).sort(), [...ORGANIZATIONS_READ_ACTIONS].sort());
      assert.equal(reads[0].Resource, '*');
      for (const a of ORGANIZATIONS_READ_ACTIONS) {
        assert.match(a, /^organizations:(List|Describe)[A-Za-z]+$/, `${a} is a read`);
      }
      // Nobody else gets any of it.
      const elsewhere = allStatements(template).filter(
        (s) =>
          !roleStatements(template, 'Ingest').includes(s) &&
          actionsOf([s]).some((a) => a.startsWith('organizations:') || a === 'sts:AssumeRole'),
      );
      assert.deepEqual(elsewhere, []);
    });

    it('names the ingest role so that member templates can trust it', () => {
      const [, ingest] = lambdaFunction(template, 'Ingest');
      const role = template.toJSON().Resources[refTarget(ingest.Properties.Role)!];
      assert.equal(role.Properties.RoleName, `Zonetrail-ingest-${MAIN_REGION}`);
    });

    it('tells ingest which accounts to sweep and how', () => {
      const [, ingest] = lambdaFunction(template, 'Ingest');
      const env = ingest.Properties.Environment.Variables;
      assert.equal(env[RustEnv.accounts], 'org');
      assert.equal(env[RustEnv.ous], OU);
      assert.equal(env[RustEnv.roleName], 'zonetrail-readonly');
      assert.equal(env[RustEnv.sweepConcurrency], '8');
      assert.equal(env[RustEnv.externalId], undefined);
      assert.equal(env[RustEnv.accountsExclude], undefined);
    });

    it('admits Route 53 events from accounts of the organization on a central bus', () => {
      const buses = Object.entries(
        template.findResources('AWS::Events::EventBus') as Record<string, Resource>,
      ).filter(([id]) => !id.startsWith('NotificationsBus'));
      assert.equal(buses.length, 1);
      const [, bus] = buses[0];
      assert.equal(bus.Properties.Name, 'Zonetrail-member-changes');
      assert.deepEqual(bus.Properties.Policy.Statement, [
        {
          Sid: 'OrganizationRoute53Changes',
          Effect: 'Allow',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: `arn:aws:events:${MAIN_REGION}:${ACCOUNT}:event-bus/Zonetrail-member-changes`,
          Condition: {
            StringEquals: {
              'aws:PrincipalOrgID': ORG_ID,
              'events:detail-type': 'AWS API Call via CloudTrail',
            },
            // With findings (the default), the resource events' sources too.
            'ForAllValues:StringEquals': {
              'events:source': [
                'aws.route53',
                'aws.ec2',
                'aws.s3',
                'aws.elasticbeanstalk',
                'aws.cloudfront',
              ],
            },
          },
        },
      ]);
    });

    it("sends the central bus's Route 53 events to ingest, like the default bus's", () => {
      const [ingestId] = lambdaFunction(template, 'Ingest');
      const [busId] = Object.keys(template.findResources('AWS::Events::EventBus'));
      const rules = Object.entries(
        template.findResources('AWS::Events::Rule') as Record<string, Resource>,
      ).filter(([, r]) => r.Properties.EventPattern?.source?.[0] === 'aws.route53');
      assert.equal(rules.length, 2, 'the default bus and the central bus');
      const onBus = rules.filter(([, r]) => refTarget(r.Properties.EventBusName) === busId);
      assert.equal(onBus.length, 1);
      const [ruleId, rule] = onBus[0];
      assert.deepEqual(rule.Properties.EventPattern, ROUTE53_PATTERN);
      assert.equal(refTarget(rule.Properties.Targets[0].Arn), ingestId);
      const allowed = Object.values(
        template.findResources('AWS::Lambda::Permission') as Record<string, Resource>,
      ).filter((p) => refTarget(p.Properties.SourceArn) === ruleId);
      assert.equal(allowed.length, 1);
      assert.equal(refTarget(allowed[0].Properties.FunctionName), ingestId);
    });

    it('keeps the member template out of the top-level stacks (`cdk deploy --all`)', () => {
      const assembly = app.synth();
      const topLevel = assembly.stacks.map((s) => s.stackName);
      assert.ok(!topLevel.includes('ZonetrailMember'), topLevel.join(', '));
      const nested = assembly.getNestedAssembly(`assembly-${MEMBER_STAGE}`);
      assert.deepEqual(
        nested.stacks.map((s) => s.stackName),
        ['ZonetrailMember'],
      );
      assert.equal(nested.stacks[0].environment.region, 'us-east-1');
    });

    describe('the member template', () => {
      const member = memberTemplate!.toJSON();
      const resources = member.Resources as Record<string, Resource>;

      it('is plain: no assets, no bootstrap version, only the roles and the rules', () => {
        assert.equal(member.Parameters.BootstrapVersion, undefined);
        assert.equal(member.Rules?.CheckBootstrapVersion, undefined);
        // With findings (the default): a second rule for the resource events, and no region
        // rule: it goes to every region watched (test/suites/findings.ts).
        assert.deepEqual(
          Object.values(resources)
            .map((r) => r.Type)
            .sort(),
          ['AWS::Events::Rule', 'AWS::Events::Rule', 'AWS::IAM::Role', 'AWS::IAM::Role'],
        );
        assert.ok(!JSON.stringify(member).includes('cdk-hnb659fds'), 'no bootstrap resource');
        assert.equal(member.Rules, undefined);
      });

      it('defaults its parameters to this deployment', () => {
        const d = (name: string) => member.Parameters[name].Default;
        assert.equal(d('CentralAccountId'), ACCOUNT);
        assert.equal(d('CentralIngestRoleName'), `Zonetrail-ingest-${MAIN_REGION}`);
        assert.equal(
          d('CentralEventBusArn'),
          `arn:aws:events:${MAIN_REGION}:${ACCOUNT}:event-bus/Zonetrail-member-changes`,
        );
        assert.equal(d('RoleName'), 'zonetrail-readonly');
        assert.equal(d('ExternalId'), '');
        assert.equal(d('CreateRole'), 'true');
      });

      it('gives the member role route53 List* and Get*, cloudtrail:LookupEvents and the resource reads only', () => {
        const [role] = Object.values(resources).filter((r) => r.Properties.RoleName);
        assert.deepEqual(role.Properties.RoleName, { Ref: 'RoleName' });
        assert.equal(role.Properties.ManagedPolicyArns, undefined);
        const statements = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
        assert.deepEqual(
          statements.map((s: any) => [s.Effect, s.Action, s.Resource]),
          [
            ['Allow', ['route53:List*', 'route53:Get*'], '*'],
            // The backfill of this account reads its event history, nothing else of CloudTrail.
            ['Allow', ['cloudtrail:LookupEvents'], '*'],
            // Findings' resource sweep (ListHealthChecks is in route53:List*).
            [
              'Allow',
              [
                'ec2:DescribeRegions',
                'ec2:DescribeAddresses',
                'ec2:DescribeNetworkInterfaces',
                's3:ListAllMyBuckets',
                'cloudfront:ListDistributions',
                'elasticbeanstalk:DescribeEnvironments',
              ],
              '*',
            ],
          ],
        );
      });

      it('lets only the central ingest role assume it', () => {
        const trust = trustFor(member, {});
        assert.equal(trust.Action, 'sts:AssumeRole');
        const central = ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'CentralAccountId' }];
        assert.deepEqual(trust.Principal, { AWS: { 'Fn::Join': ['', [...central, ':root']] } });
        assert.deepEqual(trust.Condition, {
          ArnEquals: {
            'aws:PrincipalArn': {
              'Fn::Join': ['', [...central, ':role/', { Ref: 'CentralIngestRoleName' }]],
            },
          },
        });
      });

      it('requires sts:ExternalId if and only if one is set', () => {
        assert.equal(trustFor(member, {}).Condition.StringEquals, undefined);
        assert.deepEqual(trustFor(member, { ExternalId: 'abc123' }).Condition.StringEquals, {
          'sts:ExternalId': { Ref: 'ExternalId' },
        });
        const withId = synth({ ...ORG, externalId: 'zonetrail-check' });
        const m = withId.memberTemplate!.toJSON();
        assert.equal(m.Parameters.ExternalId.Default, 'zonetrail-check');
        assert.deepEqual(trustFor(m, {}).Condition.StringEquals, {
          'sts:ExternalId': { Ref: 'ExternalId' },
        });
        const [, ingest] = lambdaFunction(withId.template, 'Ingest');
        assert.equal(
          ingest.Properties.Environment.Variables[RustEnv.externalId],
          'zonetrail-check',
        );
      });

      it('skips the role with CreateRole=false, and still forwards events', () => {
        const [role] = Object.values(resources).filter((r) => r.Properties.RoleName);
        const cond = (role as any).Condition;
        const inRegion = (region: string, create: string) =>
          evaluate(
            { Condition: cond },
            { CreateRole: create, 'AWS::Region': region },
            member.Conditions,
          );
        assert.equal(inRegion('us-east-1', 'false'), false);
        assert.equal(inRegion('us-east-1', 'true'), true);
        // The role is global: only the us-east-1 instance of the StackSet creates it.
        assert.equal(inRegion('eu-west-1', 'true'), false);
        for (const r of Object.values(resources).filter((x) => x !== role)) {
          assert.equal((r as any).Condition, undefined, r.Type);
        }
      });

      it('forwards Route 53 change events to the central bus, with a role that may only do that', () => {
        const [rule] = Object.values(resources).filter(
          (r) =>
            r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern.source[0] === 'aws.route53',
        );
        assert.deepEqual(rule.Properties.EventPattern, ROUTE53_PATTERN);
        assert.equal(rule.Properties.State, 'ENABLED');
        const [target] = rule.Properties.Targets;
        assert.equal(rule.Properties.Targets.length, 1);
        assert.deepEqual(target.Arn, { Ref: 'CentralEventBusArn' });
        const role = resources[refTarget(target.RoleArn)!];
        assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal, {
          Service: 'events.amazonaws.com',
        });
        const statements = role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
        assert.deepEqual(
          statements.map((s: any) => [s.Effect, s.Action, s.Resource]),
          [['Allow', 'events:PutEvents', { Ref: 'CentralEventBusArn' }]],
        );
      });
    });
  });

  describe('accounts=<list>', () => {
    const { template } = synth({ ...LIST, roleName: 'audit-reader', sweepConcurrency: '3' });

    it('lets ingest assume the named role in the listed accounts only, and read no organization', () => {
      const statements = roleStatements(template, 'Ingest');
      const assume = statements.filter((s) => actionsOf([s]).includes('sts:AssumeRole'));
      assert.deepEqual(assume, [
        {
          Sid: 'AssumeMemberRole',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: [
            'arn:aws:iam::222222222222:role/audit-reader',
            'arn:aws:iam::333333333333:role/audit-reader',
          ],
          Condition: SAME_ORG,
        },
      ]);
      assert.ok(!actionsOf(allStatements(template)).some((a) => a.startsWith('organizations:')));
      const [, ingest] = lambdaFunction(template, 'Ingest');
      const env = ingest.Properties.Environment.Variables;
      assert.equal(env[RustEnv.accounts], '222222222222,333333333333');
      assert.equal(env[RustEnv.roleName], 'audit-reader');
      assert.equal(env[RustEnv.sweepConcurrency], '3');
    });
  });

  describe('context', () => {
    const read = (context: Record<string, unknown>) => readConfig(new App({ context }).node, {});

    it('reads self, org and lists', () => {
      assert.equal(read({}).organizations.accounts, 'self');
      assert.equal(read({ accounts: 'self' }).organizations.accounts, 'self');
      assert.equal(read(ORG).organizations.accounts, 'org');
      assert.deepEqual(read({ ...LIST, accountsExclude: '333333333333' }).organizations.accounts, [
        '222222222222',
        '333333333333',
      ]);
      assert.deepEqual(
        read({ accounts: ['222222222222'], organizationId: ORG_ID }).organizations.accounts,
        ['222222222222'],
      );
      const o = read({ ...ORG, accountsExclude: `444444444444,${OU}` }).organizations;
      assert.deepEqual(o.accountsExclude, ['444444444444', OU]);
      assert.equal(o.roleName, 'zonetrail-readonly');
      assert.equal(o.sweepConcurrency, 8);
    });

    it('rejects a malformed value, naming the parameter and the value', () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [
          { accounts: '12345', organizationId: ORG_ID },
          /context accounts: "12345" is not a 12-digit/,
        ],
        [
          { accounts: '222222222222,22222222222x', organizationId: ORG_ID },
          /context accounts: "22222222222x"/,
        ],
        [{ accounts: 'everything', organizationId: ORG_ID }, /context accounts: "everything"/],
        [{ ...ORG, organizationId: 'o-short' }, /context organizationId: "o-short"/],
        [{ ...ORG, ous: 'ou-ab12-cd34ef56,ou-bad' }, /context ous: "ou-bad" is not an OU id/],
        [{ ...ORG, accountsExclude: '1234' }, /context accountsExclude: "1234"/],
        [{ ...ORG, roleName: 'no spaces' }, /context roleName: "no spaces"/],
        [{ ...ORG, externalId: 'x' }, /context externalId/],
        [{ ...ORG, sweepConcurrency: '0' }, /context sweepConcurrency/],
        [{ ...ORG, sweepConcurrency: '2.5' }, /context sweepConcurrency/],
      ];
      for (const [context, message] of cases) {
        assert.throws(() => read(context), message, JSON.stringify(context));
      }
    });

    it('rejects combinations that cannot work', () => {
      assert.throws(() => read({ accounts: 'org' }), /organizationId/);
      assert.throws(() => read({ accounts: '222222222222' }), /organizationId/);
      assert.throws(() => read({ ...LIST, ous: OU }), /context ous: only with accounts=org/);
      assert.throws(() => read({ ...LIST, accountsExclude: OU }), /accountsExclude: OU/);
      assert.throws(() => read({ roleName: 'audit' }), /context roleName: only with accounts=org/);
      assert.throws(() => read({ ous: OU }), /context ous/);
      assert.throws(
        () => synth({ ...ORG, stackName: 'A'.repeat(60) }),
        /ingest role name .* longer than IAM's 64/,
      );
    });
  });
});
