import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeNag, skipCheckov } from './compliance';

/**
 * One private bucket for the access logs of the other buckets (S3 server access logs) and of
 * CloudFront (standard logs, which still need object ACLs: hence object-writer ownership).
 * Kept when the stack is deleted: it is the record of who fetched what.
 */
export class AccessLogs extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [
        { expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeNag(this.bucket, {
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket; logging it into itself would loop.',
    });
    skipCheckov(this.bucket, {
      id: 'CKV_AWS_18',
      reason: 'This is the access-log bucket; logging it into itself would loop.',
    });
  }
}
