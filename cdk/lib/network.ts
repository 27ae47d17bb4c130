import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  readonly logRetentionDays: number;
}

/**
 * A VPC with isolated subnets only: no internet gateway, no NAT. What runs inside (the
 * database, RDS Proxy, writer, api, migrate and the secret-rotation function) reaches AWS
 * through interface endpoints: Secrets Manager, and EventBridge for the writer's notifications
 * (`PutEvents`). Lambda logs and EMF metrics leave through the Lambda service, not the VPC.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  readonly isolatedSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  readonly secretsManagerEndpoint: ec2.InterfaceVpcEndpoint;
  /** The writer publishes notifications through it (lib/notifications.ts). */
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

    // Closed by default: each client is let in by `connections.allowDefaultPortFrom`.
    this.secretsManagerEndpoint = this.vpc.addInterfaceEndpoint('SecretsManager', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      subnets: this.isolatedSubnets,
      privateDnsEnabled: true,
      open: false,
    });
    this.eventBridgeEndpoint = this.vpc.addInterfaceEndpoint('EventBridge', {
      service: ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE,
      subnets: this.isolatedSubnets,
      privateDnsEnabled: true,
      open: false,
    });
  }
}
