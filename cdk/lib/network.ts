import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  readonly logRetentionDays: number;
}

/**
 * A VPC with isolated subnets only: no internet gateway, no NAT. What runs inside (the
 * database, RDS Proxy, writer, findings evaluator, api, migrate and the secret-rotation
 * function) reaches AWS through interface endpoints: Secrets Manager, and EventBridge for
 * notifications (`PutEvents`); with findings, also SQS and Elastic Beanstalk (lib/findings.ts).
 * Lambda logs and EMF metrics leave through the Lambda service, not the VPC.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly isolatedSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  readonly secretsManagerEndpoint: ec2.InterfaceVpcEndpoint;
  /** The functions that publish notifications reach EventBridge through it (lib/notifications.ts). */
  readonly eventBridgeEndpoint: ec2.InterfaceVpcEndpoint;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);

    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.42.0.0/16'),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });

    this.secretsManagerEndpoint = this.addEndpoint(
      'SecretsManager',
      ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    );
    this.eventBridgeEndpoint = this.addEndpoint(
      'EventBridge',
      ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE,
    );
  }

  /**
   * An interface endpoint in the isolated subnets, with private DNS, so that the AWS SDK's
   * default endpoint resolves to it. Closed by default: each client is let in by
   * `connections.allowDefaultPortFrom`.
   */
  addEndpoint(id: string, service: ec2.IInterfaceVpcEndpointService): ec2.InterfaceVpcEndpoint {
    return this.vpc.addInterfaceEndpoint(id, {
      service,
      subnets: this.isolatedSubnets,
      privateDnsEnabled: true,
      open: false,
    });
  }
}
