import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { IngestMetric, METRIC_NAMESPACE, WriterMetric } from '../../lib/metrics';
import { lambdaFunction, refTarget, type Resource, resourceByPrefix, synth } from '../helpers';

describe('operations', () => {
  const { template } = synth();
  const alarms = () =>
    Object.entries(template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>);
  const alarm = (name: string): Resource => {
    const found = alarms().filter(([id]) => id.startsWith(`Operations${name}`));
    assert.equal(found.length, 1, name);
    return found[0][1];
  };

  it('alarms when any DLQ holds a message', () => {
    for (const [name, dlq] of [
      ['RecordsDlqNotEmpty', 'QueuesRecordsDlq'],
      ['SweepDlqNotEmpty', 'QueuesSweepDlq'],
      ['FindingsDlqNotEmpty', 'QueuesFindingsDlq'],
    ]) {
      const p = alarm(name).Properties;
      assert.equal(p.Namespace, 'AWS/SQS');
      assert.equal(p.MetricName, 'ApproximateNumberOfMessagesVisible');
      assert.ok(refTarget(p.Dimensions[0].Value)!.startsWith(dlq), name);
      assert.equal(p.ComparisonOperator, 'GreaterThanThreshold');
      assert.equal(p.Threshold, 0);
    }
  });

  it('alarms on writer, ingest, api and findings evaluator errors', () => {
    for (const [name, fn] of [
      ['WriterErrors', 'Writer'],
      ['IngestErrors', 'Ingest'],
      ['ApiErrors', 'Api'],
      ['FindingsEvaluatorErrors', 'FindingsEvaluator'],
    ] as const) {
      const p = alarm(name).Properties;
      const [fnId] = lambdaFunction(template, fn);
      assert.equal(p.Namespace, 'AWS/Lambda');
      assert.equal(p.MetricName, 'Errors');
      assert.equal(refTarget(p.Dimensions[0].Value), fnId, name);
      assert.equal(p.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
      assert.equal(p.Threshold, 1);
    }
  });

  it('alarms on failed sweeps and stale data from the functions’ EMF metrics', () => {
    const failed = alarm('SweepFailed').Properties;
    assert.equal(failed.Namespace, METRIC_NAMESPACE);
    assert.equal(failed.MetricName, IngestMetric.zonesFailed);
    assert.deepEqual(
      failed.Dimensions,
      [{ Name: 'Stage', Value: 'ingest' }],
      'as ingest/src/metrics.rs emits it',
    );
    assert.equal(failed.Statistic, 'Sum');
    const lag = alarm('FreshnessLag').Properties;
    assert.equal(lag.Namespace, 'zonetrail');
    assert.equal(lag.MetricName, 'FreshnessLagSeconds');
    assert.deepEqual(
      lag.Dimensions,
      [{ Name: 'Stage', Value: 'writer' }],
      'as writer/src/metrics.rs emits it',
    );
    assert.equal(lag.Statistic, 'Maximum');
    assert.equal(lag.Threshold, 900);
    assert.equal(lag.EvaluationPeriods, 3);
    const { template: t } = synth({ freshnessLagAlarmSeconds: '1800' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'FreshnessLagSeconds',
      Threshold: 1800,
    });
  });

  it('sends every alarm to an encrypted topic that CloudWatch may use', () => {
    const [topicId, topic] = resourceByPrefix(template, 'AWS::SNS::Topic', 'OperationsAlarms');
    const [keyId, key] = resourceByPrefix(template, 'AWS::KMS::Key', 'OperationsAlarmTopicKey');
    assert.equal(refTarget(topic.Properties.KmsMasterKeyId), keyId);
    assert.equal(key.Properties.EnableKeyRotation, true);
    const statements = key.Properties.KeyPolicy.Statement as any[];
    assert.ok(
      statements.some(
        (s) =>
          s.Principal?.Service === 'cloudwatch.amazonaws.com' &&
          [s.Action].flat().includes('kms:GenerateDataKey*'),
      ),
      'CloudWatch may encrypt to the topic',
    );
    // Notifications' alarms go to the same topic (test/suites/notifications.ts).
    const own = alarms().filter(([id]) => id.startsWith('Operations'));
    assert.equal(own.length, 9, '7, and 2 of findings (on by default)');
    for (const [id, a] of alarms()) {
      assert.deepEqual(a.Properties.AlarmActions.map(refTarget), [topicId], id);
    }
  });

  it('subscribes an e-mail address when context gives one', () => {
    const { template: t } = synth({ alarmEmail: 'ops@example.com' });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('reads the metrics under the names and Stage the Rust functions emit', () => {
    const sources = (crate: string): string => {
      const dir = path.join(__dirname, '..', '..', '..', crate, 'src');
      assert.ok(
        fs.existsSync(dir),
        `the ${crate} crate's sources (${dir}) emit the metrics this app reads`,
      );
      const walk = (d: string): string[] =>
        fs
          .readdirSync(d, { withFileTypes: true })
          .flatMap((e) =>
            e.isDirectory()
              ? walk(path.join(d, e.name))
              : e.name.endsWith('.rs')
                ? [path.join(d, e.name)]
                : [],
          );
      return walk(dir)
        .map((f) => fs.readFileSync(f, 'utf8'))
        .join('\n');
    };
    for (const [crate, names] of [
      ['writer', Object.values(WriterMetric)],
      ['ingest', Object.values(IngestMetric)],
    ] as const) {
      const code = sources(crate);
      // Both go through the one encoder, model/src/emf.rs, which names the namespace.
      assert.ok(
        sources('model').includes(`pub const NAMESPACE: &str = "${METRIC_NAMESPACE}";`),
        `model/src/emf.rs emits namespace ${METRIC_NAMESPACE}`,
      );
      assert.ok(code.includes(`EmfLine::new("${crate}")`), `${crate} emits Stage=${crate}`);
      for (const name of names) assert.ok(code.includes(`"${name}"`), `${crate} emits ${name}`);
    }
  });

  it('draws one dashboard of the pipeline', () => {
    const [, dashboard] = resourceByPrefix(
      template,
      'AWS::CloudWatch::Dashboard',
      'OperationsDashboard',
    );
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const needle of [
      'FreshnessLagSeconds',
      'ApproximateAgeOfOldestMessage',
      'ServerlessDatabaseCapacity',
      'ClientConnections',
      'AWS/ApiGateway',
    ]) {
      assert.ok(body.includes(needle), needle);
    }
  });
});
