import { type App, Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CaptureForwarderStack, ROUTE53_EVENTS_REGION } from './capture';
import { readConfig, type ZonetrailConfig } from './config';
import { MemberStack } from './member-stack';
import { ingestRoleName, memberBusArn } from './organizations';
import { ZonetrailStack } from './zonetrail-stack';

export interface ZonetrailApp {
  readonly config: ZonetrailConfig;
  readonly main: ZonetrailStack;
  /** Present when the main stack is not in us-east-1. */
  readonly forwarder?: CaptureForwarderStack;
  /** The member accounts' template, when `accounts` is not `self`. */
  readonly member?: MemberStack;
}

/**
 * The stage holding the member template: its stacks are not top-level, so `cdk deploy --all`
 * leaves them out (they go to member accounts through a StackSet; see docs/deploy.md).
 */
export const MEMBER_STAGE = 'Member';

/**
 * The stacks of one deployment, from the app's context. `bin/app.ts` calls this for `cdk`;
 * the tests call it with their own context. cdk-nag's AwsSolutions checks run on every synth.
 */
export function buildApp(app: App): ZonetrailApp {
  const config = readConfig(app.node);
  const env = { account: config.account, region: config.region };
  const description = 'zonetrail: Route 53 record inventory';

  const main = new ZonetrailStack(app, config.stackName, { env, config, description });
  let forwarder: CaptureForwarderStack | undefined;
  if (config.region !== ROUTE53_EVENTS_REGION) {
    forwarder = new CaptureForwarderStack(
      app,
      `${config.stackName}-Capture-${ROUTE53_EVENTS_REGION}`,
      {
        env: { account: config.account, region: ROUTE53_EVENTS_REGION },
        targetRegion: config.region,
        description: `zonetrail: forwards Route 53 change events from ${ROUTE53_EVENTS_REGION} to ${config.region}`,
      },
    );
    // The main region's rule should exist before events are forwarded to it.
    forwarder.addStackDependency(main);
  }

  let member: MemberStack | undefined;
  const o = config.organizations;
  if (o.accounts !== 'self') {
    const stage = new Stage(app, MEMBER_STAGE);
    member = new MemberStack(stage, `${config.stackName}Member`, {
      stackName: `${config.stackName}Member`,
      description: 'zonetrail member account: read-only Route 53 role and change-event forwarding',
      centralAccountId: config.account,
      centralIngestRoleName: ingestRoleName(config),
      centralEventBusArn: memberBusArn(config),
      roleName: o.roleName,
      externalId: o.externalId,
    });
    Validations.of(stage).addPlugins(new AwsSolutionsChecks(stage));
  }

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { config, main, forwarder, member };
}
