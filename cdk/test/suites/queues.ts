import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { MAX_RECEIVE_COUNT, VISIBILITY_TIMEOUT_FACTOR } from '../../lib/queues';
import { lambdaFunction, refTarget, type Resource, synth } from '../helpers';

describe('queues', () => {
  const { template } = synth();

  /** A work queue (not its DLQ) by logical-id prefix. */
  const workQueue = (prefix: string): [string, Resource] => {
    const found = Object.entries(
      template.findResources('AWS::SQS::Queue') as Record<string, Resource>,
    ).filter(([id]) => id.startsWith(prefix) && !id.startsWith(`${prefix}Dlq`));
    assert.equal(found.length, 1, prefix);
    return found[0];
  };

  it('encrypts every queue and its DLQ, and denies requests without TLS', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    assert.equal(
      Object.keys(queues).length,
      6,
      'records, sweep, findings (test/suites/findings.ts) and their DLQs',
    );
    for (const [id, q] of Object.entries(queues)) {
      assert.equal(q.Properties.SqsManagedSseEnabled, true, `${id} is encrypted`);
    }
    const policies = template.findResources('AWS::SQS::QueuePolicy', {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      },
    });
    assert.equal(Object.keys(policies).length, 6, 'each queue enforces TLS');
  });

  for (const [queue, dlq] of [
    ['QueuesRecords', 'QueuesRecordsDlq'],
    ['QueuesSweep', 'QueuesSweepDlq'],
    ['QueuesFindings', 'QueuesFindingsDlq'],
  ]) {
    it(`${queue} redrives to ${dlq} after ${MAX_RECEIVE_COUNT} receives`, () => {
      const [, main] = workQueue(queue);
      const redrive = main.Properties.RedrivePolicy;
      assert.equal(redrive.maxReceiveCount, MAX_RECEIVE_COUNT);
      assert.ok(refTarget(redrive.deadLetterTargetArn)!.startsWith(dlq));
    });
  }

  it('gives the records queue a visibility timeout of at least 6x the writer timeout', () => {
    const [, writer] = lambdaFunction(template, 'Writer');
    const [, records] = workQueue('QueuesRecords');
    assert.ok(VISIBILITY_TIMEOUT_FACTOR >= 6);
    assert.ok(
      records.Properties.VisibilityTimeout >= 6 * writer.Properties.Timeout,
      `visibility ${records.Properties.VisibilityTimeout}s vs writer timeout ${writer.Properties.Timeout}s`,
    );
  });

  it('gives the sweep queue a visibility timeout of at least 6x the ingest timeout', () => {
    const [, ingest] = lambdaFunction(template, 'Ingest');
    const [, sweep] = workQueue('QueuesSweep');
    assert.ok(sweep.Properties.VisibilityTimeout >= 6 * ingest.Properties.Timeout);
    assert.ok(sweep.Properties.VisibilityTimeout <= 43_200, 'SQS caps visibility at 12 hours');
  });

  it('feeds the writer in batches of 10 with partial batch failures and a concurrency cap', () => {
    const [writerId] = lambdaFunction(template, 'Writer');
    const mappings = Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping'),
    ).filter((m) => m.Properties.FunctionName.Ref === writerId);
    assert.equal(mappings.length, 1);
    const m = mappings[0].Properties;
    assert.ok(refTarget(m.EventSourceArn)!.startsWith('QueuesRecords'));
    assert.equal(m.BatchSize, 10);
    assert.ok(m.MaximumBatchingWindowInSeconds > 0);
    assert.deepEqual(m.FunctionResponseTypes, ['ReportBatchItemFailures']);
    assert.equal(m.ScalingConfig.MaximumConcurrency, 5);
  });

  it('takes the writer concurrency cap from context', () => {
    const { template: t } = synth({ writerMaxConcurrency: '3' });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 3 },
    });
  });

  it('feeds ingest from the sweep queue one message at a time, with partial batch failures', () => {
    const [ingestId] = lambdaFunction(template, 'Ingest');
    const mappings = Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping'),
    ).filter((m) => m.Properties.FunctionName.Ref === ingestId);
    assert.equal(mappings.length, 1);
    const m = mappings[0].Properties;
    assert.ok(refTarget(m.EventSourceArn)!.startsWith('QueuesSweep'));
    assert.equal(m.BatchSize, 1);
    assert.deepEqual(m.FunctionResponseTypes, ['ReportBatchItemFailures']);
    assert.ok(m.ScalingConfig.MaximumConcurrency >= 2);
  });
});
