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

export interface QueuesProps {
  /** Timeout of the writer, which consumes the records queue. */
  readonly writerTimeout: Duration;
  /** Timeout of ingest, which consumes the sweep queue. */
  readonly ingestTimeout: Duration;
}

/**
 * The two work queues, each with its dead-letter queue:
 * - records: record batches, zone observations and `sweep_done` for the writer;
 * - sweep: sweep continuations and targeted sweeps for ingest.
 */
export class Queues extends Construct {
  readonly records: sqs.Queue;
  readonly recordsDlq: sqs.Queue;
  readonly sweep: sqs.Queue;
  readonly sweepDlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: QueuesProps) {
    super(scope, id);
    [this.records, this.recordsDlq] = this.queueWithDlq('Records', props.writerTimeout);
    [this.sweep, this.sweepDlq] = this.queueWithDlq('Sweep', props.ingestTimeout);
  }

  private queueWithDlq(name: string, consumerTimeout: Duration): [sqs.Queue, sqs.Queue] {
    const dlq = new sqs.Queue(this, `${name}Dlq`, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    });
    acknowledgeNag(dlq, {
      id: 'AwsSolutions-SQS3',
      reason:
        'This is a dead-letter queue; an operator replays it with `zonetrail drain --queue-url`.',
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
