import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from './compliance';
import { MAX_MESSAGE_BYTES } from './config';

/** Deliveries before a message goes to its dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

/**
 * Lambda's guidance for SQS event sources: a visibility timeout of at least six times the
 * function timeout, so that retries of a throttled batch do not redeliver messages still
 * being processed.
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** How an operator replays the records and sweep DLQs (docs/deploy.md, "Watching it"). */
const DRAIN_REPLAY = 'an operator replays it with `zonetrail drain --queue-url`';

export interface QueuesProps {
  /** Timeout of the writer, which consumes the records queue. */
  readonly writerTimeout: Duration;
  /** Timeout of ingest, which consumes the sweep queue. */
  readonly ingestTimeout: Duration;
  /**
   * Timeout of the findings evaluator, which consumes the findings queue; without it (findings
   * off), there is no findings queue.
   */
  readonly findingsEvaluatorTimeout?: Duration;
}

/**
 * The work queues, each with its dead-letter queue:
 * - records: record batches, zone observations and `sweep_done` for the writer;
 * - sweep: sweep continuations and targeted sweeps for ingest;
 * - findings (with findings on): each writer batch's findings work, for the findings evaluator.
 */
export class Queues extends Construct {
  readonly records: sqs.Queue;
  readonly recordsDlq: sqs.Queue;
  readonly sweep: sqs.Queue;
  readonly sweepDlq: sqs.Queue;
  readonly findings?: sqs.Queue;
  readonly findingsDlq?: sqs.Queue;

  constructor(scope: Construct, id: string, props: QueuesProps) {
    super(scope, id);
    [this.records, this.recordsDlq] = this.queueWithDlq(
      'Records',
      props.writerTimeout,
      DRAIN_REPLAY,
    );
    [this.sweep, this.sweepDlq] = this.queueWithDlq('Sweep', props.ingestTimeout, DRAIN_REPLAY);
    if (props.findingsEvaluatorTimeout) {
      [this.findings, this.findingsDlq] = this.queueWithDlq(
        'Findings',
        props.findingsEvaluatorTimeout,
        'the evaluation of every record after each resource sweep makes good what it holds, and an operator moves it back with `aws sqs start-message-move-task`',
      );
    }
  }

  /** `replay`: how what lands in the DLQ is made good (cdk-nag's reason for it having no DLQ). */
  private queueWithDlq(
    name: string,
    consumerTimeout: Duration,
    replay: string,
  ): [sqs.Queue, sqs.Queue] {
    const dlq = new sqs.Queue(this, `${name}Dlq`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    });
    acknowledgeNag(dlq, {
      id: 'AwsSolutions-SQS3',
      reason: `This is a dead-letter queue; ${replay}.`,
    });
    const queue = new sqs.Queue(this, name, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      retentionPeriod: Duration.days(4),
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
      deadLetterQueue: { queue: dlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    return [queue, dlq];
  }
}
