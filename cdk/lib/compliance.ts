/**
 * Explained exceptions to the two policy checkers the test stage runs:
 *
 * - cdk-nag (AwsSolutions pack), acknowledged through CDK's own `Validations` API: every
 *   acknowledgement carries its reason and names one finding, e.g.
 *   `AwsSolutions-IAM5[Resource::*]`, never a whole rule.
 * - checkov, which reads the synthesized templates: a skip is resource metadata
 *   `{"checkov": {"skip": [{"id", "comment"}]}}`, the comment being the reason.
 */
import {
  CfnResource,
  DefaultStackSynthesizer,
  type IAspect,
  type Stack,
  Validations,
} from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';

export interface Exception {
  readonly id: string;
  readonly reason: string;
}

/** Acknowledge cdk-nag findings on `scope` and everything below it. */
export function acknowledgeNag(scope: IConstruct, ...findings: Exception[]): void {
  for (const f of findings) {
    if (!f.reason.trim()) throw new Error(`cdk-nag acknowledgement ${f.id} needs a reason`);
    Validations.of(scope).acknowledge({ id: f.id, reason: f.reason });
  }
}

/** The CloudFormation resource behind a construct (itself, or its default child). */
function cfnResourceOf(scope: IConstruct): CfnResource {
  if (CfnResource.isCfnResource(scope)) return scope;
  const child = scope.node.defaultChild;
  if (child && CfnResource.isCfnResource(child)) return child;
  throw new Error(`${scope.node.path} has no CloudFormation resource to carry a checkov skip`);
}

/** Skip checkov checks on one resource, each with its reason. */
export function skipCheckov(scope: IConstruct, ...skips: Exception[]): void {
  const resource = cfnResourceOf(scope);
  const existing =
    (resource.getMetadata('checkov') as { skip?: { id: string; comment: string }[] } | undefined)
      ?.skip ?? [];
  const merged = [...existing];
  for (const s of skips) {
    if (!s.reason.trim()) throw new Error(`checkov skip ${s.id} needs a reason`);
    if (!merged.some((e) => e.id === s.id)) merged.push({ id: s.id, comment: s.reason });
  }
  resource.addMetadata('checkov', { skip: merged });
}

/**
 * checkov findings that hold for every resource of a kind, including the ones CDK creates for
 * its own custom resources (bucket deployment, triggers, log retention, ...), explained once.
 */
export class CheckovExceptions implements IAspect {
  visit(node: IConstruct): void {
    // aws-cdk-lib's own custom-resource providers are plain CfnResources of this type.
    if (CfnResource.isCfnResource(node) && node.cfnResourceType === 'AWS::Lambda::Function') {
      skipCheckov(
        node,
        {
          id: 'CKV_AWS_116',
          reason:
            'Failures are retried by their source: SQS redrives to a DLQ, EventBridge retries, CloudFormation reports custom-resource failures; a missed event is made good by the 3-hourly sweep.',
        },
        {
          id: 'CKV_AWS_173',
          reason:
            'Environment variables hold names, URLs and ARNs, never secrets; Lambda encrypts them at rest with an AWS-managed key.',
        },
        {
          id: 'CKV_AWS_115',
          reason:
            'Concurrency is bounded where it matters: the SQS event sources set MaximumConcurrency and the database sits behind RDS Proxy; reserved concurrency would fail on new accounts with a low quota.',
        },
      );
      if (!(node instanceof lambda.CfnFunction && node.vpcConfig)) {
        skipCheckov(node, {
          id: 'CKV_AWS_117',
          reason:
            'Calls only public AWS APIs (Route 53, SQS, S3, CloudFront, Lambda, CloudWatch Logs); only functions that talk to the database run in the VPC.',
        });
      }
    }
    if (node instanceof logs.CfnLogGroup) {
      skipCheckov(node, {
        id: 'CKV_AWS_158',
        reason:
          'CloudWatch Logs encrypts every log group at rest; a customer-managed key would add cost and key-policy coupling for no reader we exclude.',
      });
    }
    if (node instanceof sqs.CfnQueue && node.sqsManagedSseEnabled) {
      skipCheckov(node, {
        id: 'CKV_AWS_27',
        reason:
          "Encrypted at rest with SQS-managed keys (SqsManagedSseEnabled); checkov's check only recognises KmsMasterKeyId.",
      });
    }
  }
}

/**
 * cdk-nag findings on the helper functions aws-cdk-lib adds at stack level for its own
 * custom resources. Their code and policies are aws-cdk-lib's; the reasons say why each grant
 * is what it is. Call once, at the end of the stack's constructor, with the buckets that
 * bucket deployments write to.
 */
export function acknowledgeCdkHelpers(stack: Stack, deployedBuckets: s3.IBucket[]): void {
  const basicExecution = {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'The AWS-managed basic execution policy only lets the helper write its own CloudWatch logs.',
  };
  const unconstrainedWrites = (helper: IConstruct, reason: string) => {
    for (const policy of helper.node.findAll().filter((c) => c instanceof iam.CfnPolicy)) {
      skipCheckov(policy, { id: 'CKV_AWS_111', reason });
    }
  };
  for (const child of stack.node.children) {
    if (child.node.id.startsWith('LogRetention')) {
      unconstrainedWrites(
        child,
        "aws-cdk-lib's log-retention helper sets the retention of log groups that RDS names at deploy time.",
      );
      acknowledgeNag(child, basicExecution, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "aws-cdk-lib's log-retention helper sets the retention of the log groups RDS creates at deploy time; their names are not known to the policy beforehand.",
      });
    }
    if (child.node.id.startsWith('Custom::CDKBucketDeployment')) {
      const qualifier =
        stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') ??
        DefaultStackSynthesizer.DEFAULT_QUALIFIER;
      const assetBucket = `arn:${stack.partition}:s3:::cdk-${qualifier}-assets-${stack.account}-${stack.region}/*`;
      const copy =
        "aws-cdk-lib's bucket-deployment helper copies the dashboard from the CDK asset bucket into the site bucket; aws-cdk-lib scopes these object-level actions to those two buckets.";
      unconstrainedWrites(child, `${copy} CloudFront invalidations cannot be limited by resource.`);
      acknowledgeNag(
        child,
        basicExecution,
        ...[
          'Action::s3:GetBucket*',
          'Action::s3:GetObject*',
          'Action::s3:List*',
          'Action::s3:Abort*',
          'Action::s3:DeleteObject*',
          `Resource::${assetBucket}`,
        ].map((finding) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason: copy })),
        ...deployedBuckets
          .map((bucket) => bucketObjectsFinding(stack, bucket))
          .map((finding) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason: copy })),
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'CloudFront invalidations (cloudfront:CreateInvalidation, GetInvalidation) after a deploy cannot be limited by resource in the helper aws-cdk-lib generates.',
        },
        {
          id: 'AwsSolutions-L1',
          reason:
            "The helper's runtime is chosen by aws-cdk-lib for its bundled handler and moves with aws-cdk-lib upgrades.",
        },
      );
    }
  }
}

/** `Resource::<LogicalId.Arn>/*`: how cdk-nag names a bucket's objects in a finding. */
function bucketObjectsFinding(stack: Stack, bucket: s3.IBucket): string {
  const resource = bucket.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource))
    throw new Error(`${bucket.node.path} is not a bucket of this app`);
  return `Resource::<${stack.getLogicalId(resource)}.Arn>/*`;
}
