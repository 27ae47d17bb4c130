import {
  Aws,
  CfnCondition,
  CfnOutput,
  CfnParameter,
  CfnRule,
  CliCredentialsStackSynthesizer,
  Fn,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import {
  ALL_RESOURCE_SOURCES,
  ROUTE53_CHANGE_EVENTS,
  ROUTE53_EVENTS_REGION,
  resourceChangePattern,
} from './capture';
import { acknowledgeNag } from './compliance';
import { RESOURCE_READ_ACTIONS } from './findings';

/** What the member role may do: read Route 53, nothing else. */
export const MEMBER_ROLE_ACTIONS = ['route53:List*', 'route53:Get*'];

/** And read CloudTrail's event history, for the backfill of that account. */
export const MEMBER_CLOUDTRAIL_ACTIONS = ['cloudtrail:LookupEvents'];

/** The pattern of `ROUTE53_CHANGE_PATTERN`, as CloudFormation JSON (the L1 rule takes it raw). */
export const MEMBER_EVENT_PATTERN = {
  source: ['aws.route53'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: { eventSource: ['route53.amazonaws.com'], eventName: ROUTE53_CHANGE_EVENTS },
};

/**
 * Findings: what the member role may read for the resource sweep. `route53:ListHealthChecks`
 * is already in `route53:List*`.
 */
export const MEMBER_RESOURCE_ACTIONS = RESOURCE_READ_ACTIONS.filter(
  (a) => !a.startsWith('route53:'),
);

/** `resourceChangePattern` of every resource source, as CloudFormation JSON. */
export const MEMBER_RESOURCE_PATTERN = (() => {
  const p = resourceChangePattern(ALL_RESOURCE_SOURCES);
  return { source: p.source, 'detail-type': p.detailType, detail: p.detail };
})();

export interface MemberStackProps extends StackProps {
  /** Defaults of the template's parameters, from the central deployment's context. */
  readonly centralAccountId: string;
  readonly centralIngestRoleName: string;
  readonly centralEventBusArn: string;
  readonly roleName: string;
  readonly externalId?: string;
  /**
   * Findings on: the role may also read the resources the sweep lists, and a second rule
   * forwards resource events. The template is then deployed to every region whose resources
   * zonetrail watches (us-east-1 included, and only there is the role created); off: to
   * us-east-1 only, as before.
   */
  readonly findings?: boolean;
}

/**
 * What each member account of the organization holds, as one plain template for a
 * service-managed CloudFormation StackSet in us-east-1 (docs/deploy.md, "Several accounts"):
 *
 * - the read-only role ingest assumes (`route53:List*`, `route53:Get*`), trusting the central
 *   account's ingest role only, with `sts:ExternalId` when one is set. `CreateRole=false`
 *   leaves it out, for an existing audit role of that name;
 * - a rule forwarding Route 53's CloudTrail events to the central bus, and the role it uses.
 *
 * No assets, no lookups, no bootstrap version rule: it deploys where CDK never bootstrapped.
 * Everything the central deployment decides is a parameter, with that deployment's value as
 * its default.
 */
export class MemberStack extends Stack {
  readonly readOnlyRole: iam.CfnRole;
  readonly forwardRole: iam.CfnRole;
  readonly forwardRule: events.CfnRule;
  /** Findings: resource events to the central bus, in each region the stack is deployed to. */
  readonly resourceRule?: events.CfnRule;

  constructor(scope: Construct, id: string, props: MemberStackProps) {
    super(scope, id, {
      ...props,
      env: { region: ROUTE53_EVENTS_REGION },
      // A plain template: no AWS::CDK::Metadata resource either.
      analyticsReporting: false,
      synthesizer: new CliCredentialsStackSynthesizer(),
    });

    const centralAccountId = new CfnParameter(this, 'CentralAccountId', {
      type: 'String',
      default: props.centralAccountId,
      allowedPattern: '^\\d{12}$',
      description: 'The account of the central zonetrail deployment',
    });
    const centralIngestRoleName = new CfnParameter(this, 'CentralIngestRoleName', {
      type: 'String',
      default: props.centralIngestRoleName,
      allowedPattern: '^[\\w+=,.@-]{1,64}$',
      description: "The central ingest function's role (the IngestRoleArn output's name)",
    });
    const centralEventBusArn = new CfnParameter(this, 'CentralEventBusArn', {
      type: 'String',
      default: props.centralEventBusArn,
      allowedPattern: '^arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/[\\w.\\-/]+$',
      description: 'The central bus for Route 53 change events (the MemberEventBusArn output)',
    });
    const roleName = new CfnParameter(this, 'RoleName', {
      type: 'String',
      default: props.roleName,
      allowedPattern: '^[\\w+=,.@-]{1,64}$',
      description: 'The read-only role the central ingest assumes (context roleName)',
    });
    const externalId = new CfnParameter(this, 'ExternalId', {
      type: 'String',
      default: props.externalId ?? '',
      allowedPattern: '^$|^[\\w+=,.@:/-]{2,1224}$',
      description: 'sts:ExternalId the role requires (context externalId); empty: none',
    });
    const createRoleParam = new CfnParameter(this, 'CreateRole', {
      type: 'String',
      default: 'true',
      allowedValues: ['true', 'false'],
      description:
        'false: RoleName is an existing audit role (route53:List*/Get*, cloudtrail:LookupEvents, trusting ingest)',
    });

    const roleRegion = Fn.conditionEquals(Aws.REGION, ROUTE53_EVENTS_REGION);
    let createRole: CfnCondition;
    if (props.findings) {
      // One template for every region (a StackSet instance each): the role is global, so
      // only the us-east-1 instance creates it; the rules forward that region's events.
      createRole = new CfnCondition(this, 'CreateReadOnlyRole', {
        expression: Fn.conditionAnd(
          Fn.conditionEquals(createRoleParam.valueAsString, 'true'),
          roleRegion,
        ),
      });
    } else {
      new CfnRule(this, 'OnlyInUsEast1', {
        assertions: [
          {
            assert: roleRegion,
            assertDescription: `Route 53's CloudTrail events reach EventBridge in ${ROUTE53_EVENTS_REGION} only: deploy this stack there`,
          },
        ],
      });
      createRole = new CfnCondition(this, 'CreateReadOnlyRole', {
        expression: Fn.conditionEquals(createRoleParam.valueAsString, 'true'),
      });
    }
    const hasExternalId = new CfnCondition(this, 'HasExternalId', {
      expression: Fn.conditionNot(Fn.conditionEquals(externalId.valueAsString, '')),
    });

    // Trust the central account for its ingest role only. The account as principal plus
    // aws:PrincipalArn (rather than the role's ARN as principal) survives the role being
    // recreated, and lets this stack deploy before the central one.
    const centralIam = ['arn:', Aws.PARTITION, ':iam::', centralAccountId.valueAsString];
    const ingestRole = Fn.join('', [...centralIam, ':role/', centralIngestRoleName.valueAsString]);
    const onlyIngest = { ArnEquals: { 'aws:PrincipalArn': ingestRole } };
    this.readOnlyRole = new iam.CfnRole(this, 'ReadOnlyRole', {
      roleName: roleName.valueAsString,
      description:
        'zonetrail: the central ingest reads the Route 53 zones and their CloudTrail event history of this account',
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: {
              AWS: Fn.join('', [...centralIam, ':root']),
            },
            Action: 'sts:AssumeRole',
            Condition: Fn.conditionIf(
              hasExternalId.logicalId,
              { ...onlyIngest, StringEquals: { 'sts:ExternalId': externalId.valueAsString } },
              onlyIngest,
            ),
          },
        ],
      },
      policies: [
        {
          policyName: 'route53-read',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'Route53Read',
                Effect: 'Allow',
                Action: MEMBER_ROLE_ACTIONS,
                Resource: '*',
              },
            ],
          },
        },
        {
          policyName: 'cloudtrail-lookup',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'CloudTrailLookupEvents',
                Effect: 'Allow',
                Action: MEMBER_CLOUDTRAIL_ACTIONS,
                Resource: '*',
              },
            ],
          },
        },
        ...(props.findings
          ? [
              {
                policyName: 'resources-read',
                policyDocument: {
                  Version: '2012-10-17',
                  Statement: [
                    {
                      Sid: 'FindingsResourceReads',
                      Effect: 'Allow',
                      Action: MEMBER_RESOURCE_ACTIONS,
                      Resource: '*',
                    },
                  ],
                },
              },
            ]
          : []),
      ],
    });
    this.readOnlyRole.cfnOptions.condition = createRole;
    acknowledgeNag(
      this.readOnlyRole,
      ...MEMBER_ROLE_ACTIONS.map((a) => ({
        id: `AwsSolutions-IAM5[Action::${a}]`,
        reason:
          'The member role is a read-only view of Route 53 for the central sweep: every List and Get call, nothing that writes.',
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'route53:ListHostedZones, cloudtrail:LookupEvents and the resource reads of findings (EC2 regions, addresses and interfaces, the bucket list, CloudFront distributions, Beanstalk environments) are list and describe calls with no narrower resource type, and the central sweep reads every zone and resource of the account by design; the role only reads.',
      },
    );

    this.forwardRole = new iam.CfnRole(this, 'ForwardRole', {
      description: 'zonetrail: EventBridge puts Route 53 change events on the central bus',
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
          },
        ],
      },
      policies: [
        {
          policyName: 'put-central-bus',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'PutCentralBus',
                Effect: 'Allow',
                Action: 'events:PutEvents',
                Resource: centralEventBusArn.valueAsString,
              },
            ],
          },
        },
      ],
    });

    this.forwardRule = new events.CfnRule(this, 'ForwardRoute53Changes', {
      description: 'zonetrail: forward Route 53 change events to the central bus',
      state: 'ENABLED',
      eventPattern: MEMBER_EVENT_PATTERN,
      targets: [
        {
          id: 'CentralBus',
          arn: centralEventBusArn.valueAsString,
          roleArn: this.forwardRole.attrArn,
        },
      ],
    });

    if (props.findings) {
      this.resourceRule = new events.CfnRule(this, 'ForwardResourceChanges', {
        description:
          'zonetrail findings: forward resource change events (EC2, S3, CloudFront, Elastic Beanstalk, Route 53 health checks) to the central bus',
        state: 'ENABLED',
        eventPattern: MEMBER_RESOURCE_PATTERN,
        targets: [
          {
            id: 'CentralBus',
            arn: centralEventBusArn.valueAsString,
            roleArn: this.forwardRole.attrArn,
          },
        ],
      });
      new CfnOutput(this, 'ForwardResourceRuleArn', { value: this.resourceRule.attrArn });
    }

    new CfnOutput(this, 'ReadOnlyRoleArn', {
      condition: createRole,
      value: this.readOnlyRole.attrArn,
    });
    new CfnOutput(this, 'ForwardRuleArn', { value: this.forwardRule.attrArn });
  }
}
