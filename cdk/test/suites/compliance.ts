import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { synth } from '../helpers';

/** Every context variant the tests synthesize: cdk-nag must pass on each. */
const VARIANTS: Record<string, Record<string, unknown>> = {
  default: {},
  'us-east-1': { region: 'us-east-1' },
  'existing OIDC provider': {
    oidcIssuer: 'https://login.example.com/realms/ops',
    oidcAudience: 'zonetrail-dashboard',
  },
  'no proxy, auto-pause': { dbProxy: 'false', dbMinCapacity: '0' },
  'existing trail': { existingTrail: 'true' },
  organization: {
    accounts: 'org',
    organizationId: 'o-exampleorg1',
    ous: 'ou-ab12-cd34ef56',
    externalId: 'zonetrail-check',
  },
  'findings off': { findings: 'false' },
  'findings, watched regions': { regions: 'eu-west-1,eu-central-1,us-west-2' },
  'findings off, organization': {
    findings: 'false',
    accounts: 'org',
    organizationId: 'o-exampleorg1',
  },
  'account list': { accounts: '222222222222,333333333333', organizationId: 'o-exampleorg1' },
  'custom domain': {
    siteDomainName: 'zonetrail.example.com',
    siteCertificateArn:
      'arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000',
  },
};

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
          out.push({ path: c.node.path, id: key.replace(/^Annotation::/i, ''), reason });
        }
      }
    }
  }
  return out;
}

describe('policy checks', () => {
  for (const [name, context] of Object.entries(VARIANTS)) {
    it(`cdk-nag AwsSolutions finds nothing unacknowledged (${name})`, () => {
      // Template.fromStack synthesizes the app, which runs the cdk-nag plugin and throws on findings.
      const { app } = synth(context);
      const reportFile = path.join(app.outdir, 'validation-report.json');
      if (fs.existsSync(reportFile)) {
        const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as {
          pluginReports: { violations: unknown[] }[];
        };
        assert.deepEqual(
          report.pluginReports.flatMap((r) => r.violations),
          [],
        );
      }
    });
  }

  it('cdk-nag is on: an unencrypted, TLS-optional queue fails synthesis', () => {
    const app = new App();
    const stack = new Stack(app, 'Planted');
    new sqs.Queue(stack, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let message = '';
    // The validation report goes to the console; this failure is the expected one.
    const quiet = ['error', 'warn', 'log'] as const;
    const saved = quiet.map((k) => console[k]);
    for (const k of quiet) console[k] = () => undefined;
    try {
      assert.throws(
        () => Template.fromStack(stack),
        (e: Error) => {
          message = e.message;
          return /Validation failed/.test(e.message);
        },
      );
    } finally {
      quiet.forEach((k, i) => {
        console[k] = saved[i];
      });
    }
    const reportFile = message.match(/found in: (\S+\.json)/)?.[1];
    assert.ok(reportFile, message);
    const report = fs.readFileSync(reportFile, 'utf8');
    for (const rule of ['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4'])
      assert.ok(report.includes(rule), rule);
  });

  it('gives every cdk-nag acknowledgement a reason, each naming one finding', () => {
    const { app } = synth();
    // aws-cdk-lib acknowledges some of its own CloudFormation checks; ours are the AwsSolutions ones.
    const acks = acknowledgements(app).filter((a) => a.id.startsWith('AwsSolutions'));
    assert.ok(acks.length > 10);
    for (const a of acks) {
      assert.match(a.id, /^AwsSolutions-[A-Z]+\d+(\[.+\])?$/, `${a.path}: ${a.id}`);
      assert.ok(a.reason.length >= 40, `${a.path}: ${a.id} has a real reason`);
    }
  });

  it('gives every checkov skip a comment', () => {
    const { template, forwarderTemplate } = synth();
    let skips = 0;
    for (const t of [template, forwarderTemplate!]) {
      for (const [id, r] of Object.entries(t.toJSON().Resources as Record<string, any>)) {
        for (const s of r.Metadata?.checkov?.skip ?? []) {
          skips += 1;
          assert.match(s.id, /^CKV2?_AWS_\d+$/, id);
          assert.ok(
            typeof s.comment === 'string' && s.comment.length >= 40,
            `${id}: ${s.id} has a reason`,
          );
        }
      }
    }
    assert.ok(skips > 0);
  });
});
