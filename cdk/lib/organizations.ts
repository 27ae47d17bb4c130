import { Arn, CfnOutput, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ALL_RESOURCE_SOURCES } from './capture';
import { acknowledgeNag } from './compliance';
import type { ZonetrailConfig } from './config';

/**
 * The Organizations reads of `accounts=org`: list the accounts and their parents, and walk the
 * OU tree for `ous` and OU exclusions. All read-only; none has a resource type that narrows it
 * usefully without the management account's id, so they are granted on `*`.
 */
export const ORGANIZATIONS_READ_ACTIONS = [
  'organizations:ListAccounts',
  'organizations:ListParents',
  'organizations:DescribeAccount',
  'organizations:ListChildren',
  'organizations:ListAccountsForParent',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListRoots',
] as const;

/**
 * Ingest's role has this name when it reaches other accounts, so that member templates can
 * name it without an output to copy: `<stackName>-ingest-<region>`.
 */
export function ingestRoleName(config: ZonetrailConfig): string {
  const name = `${config.stackName}-ingest-${config.region}`;
  if (name.length > 64) {
    throw new Error(
      `context stackName: the ingest role name ${name} is longer than IAM's 64 characters; use a shorter stackName`,
    );
  }
  return name;
}

/** The central bus that member accounts forward their Route 53 change events to. */
export function memberBusName(config: ZonetrailConfig): string {
  return `${config.stackName}-member-changes`;
}

/** Its ARN, in the main stack's region (where ingest runs: one hop from each member). */
export function memberBusArn(config: ZonetrailConfig): string {
  const partition = config.region.startsWith('cn-')
    ? 'aws-cn'
    : config.region.startsWith('us-gov-')
      ? 'aws-us-gov'
      : 'aws';
  return `arn:${partition}:events:${config.region}:${config.account}:event-bus/${memberBusName(config)}`;
}

/**
 * The principal's own organization: in an identity policy, `aws:ResourceOrgID` equal to this
 * policy variable limits a grant to resources (here: member roles) of the caller's organization,
 * without writing the organization id into the policy.
 */
export const SAME_ORGANIZATION = {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, resolved by IAM
  StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' },
};

/**
 * The sources member accounts may put on the central bus: Route 53's, and with findings the
 * resource events' (EC2, S3, CloudFront, Elastic Beanstalk; Route 53 health checks share
 * `aws.route53`).
 */
export function memberEventSources(config: ZonetrailConfig): string[] {
  return config.findings.enabled
    ? [...new Set(['aws.route53', ...ALL_RESOURCE_SOURCES])]
    : ['aws.route53'];
}

export interface CentralAccessProps {
  readonly config: ZonetrailConfig;
  readonly ingest: lambda.Function;
}

/**
 * The central account's side of a multi-account deployment (`accounts` other than `self`):
 * ingest's role gets a known name, may assume the member role in accounts of the organization
 * (and, with `org`, read the organization's accounts and OUs), and a central event bus admits
 * Route 53 change events from the organization's accounts. `Capture` reads that bus.
 */
export class CentralAccess extends Construct {
  readonly bus: events.EventBus;
  readonly ingestRoleName: string;

  constructor(scope: Construct, id: string, props: CentralAccessProps) {
    super(scope, id);
    const { config, ingest } = props;
    const o = config.organizations;
    if (o.accounts === 'self' || !o.organizationId) {
      throw new Error('CentralAccess is only for accounts=org or a list, with an organizationId');
    }
    const stack = Stack.of(this);

    this.ingestRoleName = ingestRoleName(config);
    const role = ingest.role?.node.defaultChild;
    if (!(role instanceof iam.CfnRole)) throw new Error('ingest has no role of its own');
    role.roleName = this.ingestRoleName;

    const memberRoles = (o.accounts === 'org' ? ['*'] : o.accounts).map((account) =>
      Arn.format(
        { service: 'iam', region: '', account, resource: 'role', resourceName: o.roleName },
        stack,
      ),
    );
    ingest.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AssumeMemberRole',
        actions: ['sts:AssumeRole'],
        resources: memberRoles,
        conditions: SAME_ORGANIZATION,
      }),
    );
    if (o.accounts === 'org') {
      acknowledgeNag(ingest, {
        id: `AwsSolutions-IAM5[Resource::${memberRoles[0]}]`,
        reason: `With accounts=org ingest reads every account of the organization: it may assume the one read-only role ${o.roleName} in any account whose organization is its own (aws:ResourceOrgID).`,
      });
    }

    if (o.accounts === 'org') {
      ingest.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'OrganizationsRead',
          actions: [...ORGANIZATIONS_READ_ACTIONS],
          resources: ['*'],
        }),
      );
      // `AwsSolutions-IAM5[Resource::*]` is already acknowledged on ingest for
      // route53:ListHostedZones and cloudtrail:LookupEvents; this one says why the
      // Organizations reads share it.
      acknowledgeNag(ingest, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'route53:ListHostedZones, cloudtrail:LookupEvents and the Organizations list/describe reads (ListAccounts, ListParents, ...) have no useful resource type: "*" is the only way to grant them. All are read-only.',
      });
    }

    this.bus = new events.EventBus(this, 'MemberChanges', {
      eventBusName: memberBusName(config),
      description: 'zonetrail: Route 53 change events forwarded by the member accounts',
    });
    // On the bus itself (its Policy property), not a separate EventBusPolicy resource.
    const busResource = this.bus.node.defaultChild as events.CfnEventBus;
    busResource.policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OrganizationRoute53Changes',
          Effect: 'Allow',
          Principal: '*',
          Action: 'events:PutEvents',
          // Its own ARN spelled out: a GetAtt of the bus inside the bus would be a cycle.
          Resource: Arn.format(
            { service: 'events', resource: 'event-bus', resourceName: memberBusName(config) },
            stack,
          ),
          // As in EventBridge's own example: events:source is multivalued (one per entry).
          Condition: {
            StringEquals: {
              'aws:PrincipalOrgID': o.organizationId,
              'events:detail-type': 'AWS API Call via CloudTrail',
            },
            'ForAllValues:StringEquals': { 'events:source': memberEventSources(config) },
          },
        },
      ],
    };

    new CfnOutput(stack, 'MemberEventBusArn', {
      value: this.bus.eventBusArn,
      description: 'CentralEventBusArn of the ZonetrailMember StackSet',
    });
    new CfnOutput(stack, 'IngestRoleArn', {
      value: role.attrArn,
      description: 'the role member accounts trust (CentralIngestRoleName of the member template)',
    });
  }
}
