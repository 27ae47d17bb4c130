"""Seed realistic hosted zones through the Route 53 API of a local AWS emulator.

Six zones of a made-up company, public and private (with VPCs in two regions), about four
thousand record sets: every routing policy Route 53 has that the emulator keeps (weighted,
latency, geolocation by continent, country and subdivision, failover with health checks,
multivalue, simple), aliases to CloudFront, load balancers, S3 and to records of the same
zone, wildcards, and A/AAAA/CNAME/TXT/MX/SRV/CAA/NS/PTR records. Each zone's apex SOA and NS
are rewritten as Route 53 shows them (the emulator's are not; see apex_like_route53).

With --organization, the emulator's default account (123456789012) also becomes the
management account of an AWS Organization with two member accounts, payments-prod (OU prod)
and data-staging (OU staging), each with a public and a private zone of its own, written
through the role Organizations creates in them. payments-prod's private zone is named like
one of the management account's (internal.acme-corp.com): two accounts, two zones.

Usage: seed.py --endpoint http://127.0.0.1:PORT [--summary FILE] [--organization]
Prints one line per zone and writes a JSON summary (zone ids, accounts, record set counts) for
the demo's change driver.
"""

import argparse
import json
import random
import sys
import time
import uuid
import zlib

import boto3

# Alias target hosted zone ids are fixed per service and region (AWS documentation).
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
ELB_ZONES = {"us-east-1": "Z35SXDOTRQ7X7K", "eu-west-1": "Z32O12XQLNTSW2", "ap-southeast-2": "Z1GM3OXH4ZPM65"}
S3_WEBSITE_ZONE_US_EAST_1 = "Z3AQBSTGFYJSTF"
# The emulator's account for its dummy keys: the demo's management (and network) account.
MANAGEMENT_ACCOUNT = "123456789012"
# The role Organizations creates in every account it creates, for the management account's
# administrators: the seed writes the member accounts' zones through it. (zonetrail reads them
# through its own read-only role; the emulator lets any role be assumed.)
ADMIN_ROLE = "OrganizationAccountAccessRole"
# The member accounts: name, organizational unit, and the Seeder methods that write their zones.
MEMBER_ACCOUNTS = [("payments-prod", "prod", ("payments_public", "payments_internal")),
                   ("data-staging", "staging", ("analytics_public", "data_private"))]
# The apex NS of every private hosted zone (Route 53 answers private zones itself; these are
# what it shows).
PRIVATE_ZONE_NAME_SERVERS = ["ns-1536.awsdns-00.co.uk.", "ns-0.awsdns-00.com.", "ns-1024.awsdns-00.org.",
                             "ns-512.awsdns-00.net."]

TEAMS = ["payments", "search", "checkout", "identity", "billing", "catalog", "ledger", "notify",
         "ingest", "reports", "profile", "pricing", "orders", "ratings", "media", "shipping"]
ENVS = ["prod", "staging", "qa"]
WORDS = ["amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris", "juniper",
         "kestrel", "lumen", "maple", "nova", "onyx", "pine", "quartz", "raven", "sierra", "tundra",
         "umber", "vale", "willow", "xenon", "yarrow", "zephyr"]


def rr(name, rtype, values, ttl=300, **extra):
    record = {"Name": name, "Type": rtype, "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]}
    record.update(extra)
    return record


def alias(name, rtype, zone_id, dns_name, evaluate=False, **extra):
    record = {"Name": name, "Type": rtype,
              "AliasTarget": {"HostedZoneId": zone_id, "DNSName": dns_name, "EvaluateTargetHealth": evaluate}}
    record.update(extra)
    return record


def elb(name, region):
    return f"dualstack.{name}-{zlib.crc32(name.encode()):010d}.{region}.elb.amazonaws.com."


def client_args(endpoint, credentials=None):
    """boto3 client arguments: the emulator's dummy keys (its default account, 123456789012),
    or the temporary credentials of an assumed role (the role's account)."""
    if credentials is None:
        return dict(endpoint_url=endpoint, region_name="us-east-1",
                    aws_access_key_id="testing", aws_secret_access_key="testing")
    return dict(endpoint_url=endpoint, region_name="us-east-1",
                aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"])


class Seeder:
    def __init__(self, endpoint, account_id=MANAGEMENT_ACCOUNT, account_name=None, credentials=None, seed=20261122):
        kw = client_args(endpoint, credentials)
        self.route53 = boto3.client("route53", **kw)
        self.ec2 = {region: boto3.client("ec2", **{**kw, "region_name": region})
                    for region in ("us-east-1", "eu-west-1")}
        self.rand = random.Random(seed)
        self.account_id = account_id
        self.account_name = account_name
        self.zones = []

    def vpc(self, region, cidr, name):
        vpc = self.ec2[region].create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        self.ec2[region].create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": name}])
        return {"VPCRegion": region, "VPCId": vpc}

    def zone(self, name, comment, vpcs=()):
        args = {"Name": name, "CallerReference": str(uuid.uuid4()),
                "HostedZoneConfig": {"Comment": comment, "PrivateZone": bool(vpcs)}}
        if vpcs:
            args["VPC"] = vpcs[0]
        out = self.route53.create_hosted_zone(**args)
        zone_id = out["HostedZone"]["Id"].removeprefix("/hostedzone/")
        for vpc in vpcs[1:]:
            self.route53.associate_vpc_with_hosted_zone(HostedZoneId=zone_id, VPC=vpc)
        name_servers = [ns.rstrip(".") + "." for ns in out.get("DelegationSet", {}).get("NameServers", [])]
        self.apex_like_route53(zone_id, name, name_servers or PRIVATE_ZONE_NAME_SERVERS)
        return zone_id, name_servers

    def apex_like_route53(self, zone_id, name, name_servers):
        """Write the apex SOA and NS as Route 53 makes them. The emulator stores the SOA's value
        as a printed Python dict ("{'Value': 'ns-2048...'}") and its name servers without the
        trailing dot, and the dashboard's first screen would show them as they are."""
        soa = f"{name_servers[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
        self.route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
            "Comment": "apex records as Route 53 creates them",
            "Changes": [{"Action": "UPSERT", "ResourceRecordSet": rr(name, "SOA", [soa], ttl=900)},
                        {"Action": "UPSERT", "ResourceRecordSet": rr(name, "NS", name_servers, ttl=172800)}]})

    def health_check(self, ip, path="/healthz"):
        out = self.route53.create_health_check(
            CallerReference=str(uuid.uuid4()),
            HealthCheckConfig={"IPAddress": ip, "Port": 443, "Type": "HTTPS", "ResourcePath": path,
                               "RequestInterval": 30, "FailureThreshold": 3})
        return out["HealthCheck"]["Id"]

    def write(self, zone_id, name, private, records):
        for start in range(0, len(records), 500):
            batch = records[start:start + 500]
            self.route53.change_resource_record_sets(
                HostedZoneId=zone_id,
                ChangeBatch={"Comment": "demo seed", "Changes": [{"Action": "CREATE", "ResourceRecordSet": r} for r in batch]})
        count = self.route53.get_hosted_zone(Id=zone_id)["HostedZone"]["ResourceRecordSetCount"]
        self.zones.append({"id": zone_id, "name": name, "private": private, "record_sets": count,
                           "account_id": self.account_id, "account_name": self.account_name})
        print(f"  {self.account_id}  {'private' if private else 'public '} {name:<28} {zone_id}  {count:>5} record sets",
              flush=True)

    # ---- the zones -------------------------------------------------------------------

    def corp_com(self, dev_name_servers):
        z = "acme-corp.com."
        zone_id, _ = self.zone(z, "Main public zone: website, API, mail, tenants")
        hc = {k: self.health_check(ip) for k, ip in
              [("use1", "198.51.100.10"), ("usw2", "198.51.100.20"), ("edge1", "203.0.113.11"),
               ("edge2", "203.0.113.12"), ("edge3", "203.0.113.13")]}
        r = [
            alias(z, "A", CLOUDFRONT_ZONE, "d1a2b3c4d5e6f7.cloudfront.net."),
            alias(z, "AAAA", CLOUDFRONT_ZONE, "d1a2b3c4d5e6f7.cloudfront.net."),
            alias("www." + z, "A", zone_id, z),
            alias("www." + z, "AAAA", zone_id, z),
            rr(z, "MX", ["1 aspmx.l.google.com.", "5 alt1.aspmx.l.google.com.", "5 alt2.aspmx.l.google.com.",
                         "10 alt3.aspmx.l.google.com.", "10 alt4.aspmx.l.google.com."], ttl=3600),
            rr(z, "TXT", ['"v=spf1 include:_spf.google.com include:sendgrid.net ~all"',
                          '"google-site-verification=q8cH2nV5xZ1kP7rT3wY9bL4mD6fJ0sA2gE8uI5oN1c"',
                          '"atlassian-domain-verification=Wm3kPq9ZtL2vXr8Yc5Nb"'], ttl=3600),
            rr(z, "CAA", ['0 issue "amazon.com"', '0 issue "letsencrypt.org"', '0 iodef "mailto:security@acme-corp.com"'],
               ttl=3600),
            rr("_dmarc." + z, "TXT", ['"v=DMARC1; p=quarantine; rua=mailto:dmarc@acme-corp.com; pct=100"'], ttl=3600),
            # A DKIM key is longer than 255 characters: Route 53 holds it as several strings.
            rr("google._domainkey." + z, "TXT",
               ['"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu5Gq0Y3xq1vG8cQm0iVt3w7Vd8qYp2nJ5R1k8sX0aB4cD6eF'
                'gH9iJ0kL2mN4oP6qR8sT0uV2wX4yZ6aB8cD0eF2gH4iJ6kL8mN0oP2qR4sT6uV8wX0yZ2aB4cD6eF8gH0iJ2kL4mN6oP8qR0sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2oP4qR6sT8uV0" '
                '"wX2yZ4aB6cD8eF0gH2iJ4kL6mN8oP0qR2sT4uV6wX8yZ0aB2cD4eF6gH8iJ0kL2mN4oP6qR8sT0uV2wX4yZ6QIDAQAB"'], ttl=3600),
            rr("s1._domainkey." + z, "CNAME", ["s1.domainkey.u1234567.wl.sendgrid.net."], ttl=3600),
            rr("_sip._tls." + z, "SRV", ["100 1 443 sipdir.online.lync.com."], ttl=3600),
            rr("_sipfederationtls._tcp." + z, "SRV", ["100 1 5061 sipfed.online.lync.com."], ttl=3600),
            rr("_xmpp-server._tcp." + z, "SRV", ["5 0 5269 xmpp.acme-corp.com.", "10 0 5269 xmpp-backup.acme-corp.com."]),
            rr("xmpp." + z, "A", ["198.51.100.40"]),
            rr("xmpp-backup." + z, "A", ["198.51.100.41"]),
            rr("dev." + z, "NS", dev_name_servers or ["ns-1.awsdns-01.org."], ttl=172800),
            alias("static." + z, "A", S3_WEBSITE_ZONE_US_EAST_1, "s3-website-us-east-1.amazonaws.com."),
            rr("status." + z, "CNAME", ["acmecorp.statuspage.io."], ttl=300),
            rr("mail." + z, "CNAME", ["ghs.googlehosted.com."], ttl=3600),
            rr("vpn." + z, "A", ["203.0.113.50", "203.0.113.51"], ttl=60),
            rr("vpn." + z, "AAAA", ["2001:db8:50::1", "2001:db8:50::2"], ttl=60),
            # Wildcards: every preview host, and a catch-all for tenant typos.
            rr("*.preview." + z, "CNAME", ["preview-ingress.acme-corp.com."], ttl=60),
            alias("preview-ingress." + z, "A", ELB_ZONES["us-east-1"], elb("k8s-preview-ingress", "us-east-1"), True),
            # Weighted blue/green API behind load balancers.
            alias("api." + z, "A", ELB_ZONES["us-east-1"], elb("api-blue", "us-east-1"), True,
                  SetIdentifier="api-blue", Weight=90),
            alias("api." + z, "A", ELB_ZONES["us-east-1"], elb("api-green", "us-east-1"), True,
                  SetIdentifier="api-green", Weight=10),
            rr("assets." + z, "CNAME", ["d9z8y7x6w5v4u3.cloudfront.net."], ttl=300, SetIdentifier="assets-cf", Weight=80),
            rr("assets." + z, "CNAME", ["acme-assets.b-cdn.net."], ttl=300, SetIdentifier="assets-bunny", Weight=20),
            rr("assets." + z, "CNAME", ["acme-assets.fastly.net."], ttl=300, SetIdentifier="assets-fastly", Weight=0),
            # Latency-based routing to three regions.
            alias("api-global." + z, "A", ELB_ZONES["us-east-1"], elb("api-use1", "us-east-1"), True,
                  SetIdentifier="api-global-use1", Region="us-east-1"),
            alias("api-global." + z, "A", ELB_ZONES["eu-west-1"], elb("api-euw1", "eu-west-1"), True,
                  SetIdentifier="api-global-euw1", Region="eu-west-1"),
            alias("api-global." + z, "A", ELB_ZONES["ap-southeast-2"], elb("api-apse2", "ap-southeast-2"), True,
                  SetIdentifier="api-global-apse2", Region="ap-southeast-2"),
            # Geolocation: continent, country, subdivision, and the default.
            rr("shop." + z, "A", ["198.51.100.60"], ttl=60, SetIdentifier="shop-eu", GeoLocation={"ContinentCode": "EU"}),
            rr("shop." + z, "A", ["198.51.100.61"], ttl=60, SetIdentifier="shop-de", GeoLocation={"CountryCode": "DE"}),
            rr("shop." + z, "A", ["198.51.100.62"], ttl=60, SetIdentifier="shop-us", GeoLocation={"CountryCode": "US"}),
            rr("shop." + z, "A", ["198.51.100.63"], ttl=60, SetIdentifier="shop-us-ca",
               GeoLocation={"CountryCode": "US", "SubdivisionCode": "CA"}),
            rr("shop." + z, "A", ["198.51.100.64"], ttl=60, SetIdentifier="shop-ap", GeoLocation={"ContinentCode": "AS"}),
            rr("shop." + z, "A", ["198.51.100.65"], ttl=60, SetIdentifier="shop-default", GeoLocation={"CountryCode": "*"}),
            # Failover between two regions, each with its health check.
            rr("app." + z, "A", ["198.51.100.10"], ttl=60, SetIdentifier="app-use1", Failover="PRIMARY",
               HealthCheckId=hc["use1"]),
            rr("app." + z, "A", ["198.51.100.20"], ttl=60, SetIdentifier="app-usw2", Failover="SECONDARY",
               HealthCheckId=hc["usw2"]),
            # Multivalue answers with health checks.
            rr("edge." + z, "A", ["203.0.113.11"], ttl=60, SetIdentifier="edge-1", MultiValueAnswer=True, HealthCheckId=hc["edge1"]),
            rr("edge." + z, "A", ["203.0.113.12"], ttl=60, SetIdentifier="edge-2", MultiValueAnswer=True, HealthCheckId=hc["edge2"]),
            rr("edge." + z, "A", ["203.0.113.13"], ttl=60, SetIdentifier="edge-3", MultiValueAnswer=True, HealthCheckId=hc["edge3"]),
        ]
        # Tenants: one name each, on the shared load balancer or CNAMEd, with ACM validation.
        for i in range(900):
            tenant = f"{self.rand.choice(WORDS)}-{self.rand.choice(WORDS)}-{i:03d}"
            host = f"{tenant}.app.{z}"
            if i % 3 == 0:
                r.append(rr(host, "CNAME", [f"tenants-{i % 4}.app.{z}"], ttl=300))
            else:
                r.append(alias(host, "A", ELB_ZONES["us-east-1"], elb(f"tenants-{i % 4}", "us-east-1"), True))
            if i % 4 == 0:
                token = uuid.UUID(int=self.rand.getrandbits(128)).hex
                r.append(rr(f"_{token}.{host}", "CNAME", [f"_{token[::-1]}.mhbtsbpdnt.acm-validations.aws."], ttl=300))
        for i in range(4):
            r.append(alias(f"tenants-{i}.app.{z}", "A", ELB_ZONES["us-east-1"], elb(f"tenants-{i}", "us-east-1"), True))
        self.write(zone_id, z, False, r)
        return zone_id

    def corp_net(self):
        z = "acme-corp.net."
        zone_id, _ = self.zone(z, "Marketing sites and campaigns")
        r = [
            alias(z, "A", CLOUDFRONT_ZONE, "d2m4r6k8t0w2y4.cloudfront.net."),
            alias("www." + z, "A", zone_id, z),
            rr(z, "MX", ["10 mx1.acme-corp.com.", "20 mx2.acme-corp.com."], ttl=3600),
            rr(z, "TXT", ['"v=spf1 -all"'], ttl=3600),
            rr(z, "CAA", ['0 issue "amazon.com"'], ttl=3600),
        ]
        for i, word in enumerate(WORDS * 2):
            name = f"{word}{'' if i < len(WORDS) else '-2025'}.{z}"
            r.append(rr(name, "CNAME", [f"acme-{word}.hubspot-sites.com."], ttl=600))
        self.write(zone_id, z, False, r)
        return zone_id

    def dev_zone(self):
        z = "dev.acme-corp.com."
        zone_id, name_servers = self.zone(z, "Delegated from acme-corp.com: preview environments")
        r = [
            rr("*." + z, "A", ["198.51.100.90"], ttl=60),
            rr("*.pr." + z, "CNAME", ["preview-ingress.acme-corp.com."], ttl=60),
            rr("ci." + z, "A", ["198.51.100.91"], ttl=300),
            rr("ci." + z, "AAAA", ["2001:db8:91::1"], ttl=300),
        ]
        for i in range(1, 451):
            r.append(rr(f"pr-{4000 + i}.pr.{z}", "CNAME", ["preview-ingress.acme-corp.com."], ttl=60))
        self.write(zone_id, z, False, r)
        return zone_id, name_servers

    def internal(self, vpcs):
        z = "internal.acme-corp.com."
        zone_id, _ = self.zone(z, "Service discovery for the prod VPCs", vpcs)
        r = [rr("ldap." + z, "A", ["10.0.0.10", "10.0.0.11"], ttl=300),
             rr("_ldap._tcp." + z, "SRV", ["0 100 389 ldap.internal.acme-corp.com."], ttl=300),
             rr("_kerberos._udp." + z, "SRV", ["0 100 88 kdc1.internal.acme-corp.com.", "0 100 88 kdc2.internal.acme-corp.com."]),
             rr("kdc1." + z, "A", ["10.0.0.20"]), rr("kdc2." + z, "A", ["10.0.0.21"]),
             rr("db-primary." + z, "CNAME", ["acme-prod.cluster-c1x2y3z4.us-east-1.rds.amazonaws.com."], ttl=30,
                SetIdentifier="db-use1", Failover="PRIMARY"),
             rr("db-primary." + z, "CNAME", ["acme-prod.cluster-c9x8y7z6.eu-west-1.rds.amazonaws.com."], ttl=30,
                SetIdentifier="db-euw1", Failover="SECONDARY"),
             rr("cache." + z, "CNAME", ["acme-prod.abc123.clustercfg.use1.cache.amazonaws.com."], ttl=60),
             rr("queue." + z, "A", ["10.0.8.10"], ttl=60, SetIdentifier="queue-a", Weight=50),
             rr("queue." + z, "A", ["10.0.8.11"], ttl=60, SetIdentifier="queue-b", Weight=50)]
        for team in TEAMS:
            for env in ENVS:
                for region, net in (("use1", 0), ("euw1", 1)):
                    base = f"{team}.{env}.{region}.{z}"
                    third = self.rand.randrange(2, 250)
                    ips = [f"10.{net * 64 + ENVS.index(env) * 16}.{third}.{self.rand.randrange(2, 250)}" for _ in range(3)]
                    r.append(rr(base, "A", ips, ttl=60))
                    r.append(rr(f"_grpc._tcp.{base}", "SRV", [f"0 50 8443 {base}"], ttl=60))
                    r.append(rr(f"_http._tcp.{base}", "SRV", [f"0 50 8080 {base}"], ttl=60))
                    for k in range(1, 9):
                        r.append(rr(f"{team}-worker-{k}.{env}.{region}.{z}", "A",
                                    [f"10.{net * 64 + ENVS.index(env) * 16}.{third}.{self.rand.randrange(2, 250)}"], ttl=60))
                    r.append(rr(f"{team}-metrics.{env}.{region}.{z}", "CNAME", [base], ttl=300))
        self.write(zone_id, z, True, r)
        return zone_id

    def reverse(self, vpcs):
        z = "10.in-addr.arpa."
        zone_id, _ = self.zone(z, "Reverse lookups for 10.0.0.0/8", vpcs)
        seen, r = set(), []
        while len(r) < 700:
            a, b, c = self.rand.randrange(0, 80), self.rand.randrange(0, 250), self.rand.randrange(2, 250)
            if (a, b, c) in seen:
                continue
            seen.add((a, b, c))
            host = f"ip-10-{a}-{b}-{c}.ec2.internal."
            r.append(rr(f"{c}.{b}.{a}.{z}", "PTR", [host], ttl=3600))
        self.write(zone_id, z, True, r)
        return zone_id

    def staging(self, vpcs):
        z = "staging.acme-corp.io."
        zone_id, _ = self.zone(z, "Staging VPC", vpcs)
        r = [rr("*." + z, "A", ["10.64.0.5"], ttl=60),
             rr("bastion." + z, "A", ["10.64.0.4"], ttl=300),
             rr("bastion." + z, "AAAA", ["fd00:64::4"], ttl=300),
             rr(z, "TXT", ['"owner=platform-team"', '"cost-center=cc-1042"'], ttl=300)]
        for team in TEAMS:
            for k in range(1, 16):
                r.append(rr(f"{team}-{k}.{z}", "A", [f"10.64.{TEAMS.index(team) + 1}.{k + 10}"], ttl=60))
                if k % 5 == 0:
                    r.append(rr(f"{team}-{k}.{z}", "AAAA", [f"fd00:64:{TEAMS.index(team) + 1}::{k + 10:x}"], ttl=60))
        self.write(zone_id, z, True, r)
        return zone_id

    # ---- the member accounts' zones ------------------------------------------------------

    def payments_public(self):
        z = "payments.acme-corp.com."
        zone_id, _ = self.zone(z, "Payments API and hosted checkout (delegated from acme-corp.com)")
        r = [
            alias(z, "A", ELB_ZONES["us-east-1"], elb("payments-edge", "us-east-1"), True),
            rr(z, "TXT", ['"v=spf1 include:amazonses.com -all"', '"stripe-verification=7c1f9a2e4b6d8f0a"'], ttl=3600),
            rr(z, "CAA", ['0 issue "amazon.com"'], ttl=3600),
            rr("_dmarc." + z, "TXT", ['"v=DMARC1; p=reject; rua=mailto:dmarc@acme-corp.com"'], ttl=3600),
            # Weighted blue/green, as on the main zone's API.
            alias("api." + z, "A", ELB_ZONES["us-east-1"], elb("payments-api-blue", "us-east-1"), True,
                  SetIdentifier="payments-blue", Weight=100),
            alias("api." + z, "A", ELB_ZONES["us-east-1"], elb("payments-api-green", "us-east-1"), True,
                  SetIdentifier="payments-green", Weight=0),
            alias("checkout." + z, "A", CLOUDFRONT_ZONE, "d3p5a7y9m1e3n5.cloudfront.net."),
            alias("checkout." + z, "AAAA", CLOUDFRONT_ZONE, "d3p5a7y9m1e3n5.cloudfront.net."),
            # Card-network webhooks land in the nearest region.
            alias("webhooks." + z, "A", ELB_ZONES["us-east-1"], elb("payments-hooks-use1", "us-east-1"), True,
                  SetIdentifier="hooks-use1", Region="us-east-1"),
            alias("webhooks." + z, "A", ELB_ZONES["eu-west-1"], elb("payments-hooks-euw1", "eu-west-1"), True,
                  SetIdentifier="hooks-euw1", Region="eu-west-1"),
            rr("status." + z, "CNAME", ["acmepayments.statuspage.io."], ttl=300),
            rr("3ds." + z, "A", ["198.51.100.140", "198.51.100.141"], ttl=60),
            rr("sftp." + z, "A", ["198.51.100.150"], ttl=300),
        ]
        # One endpoint per merchant integration, with its ACM validation record.
        for i in range(60):
            host = f"m-{self.rand.choice(WORDS)}-{1000 + i}.{z}"
            r.append(rr(host, "CNAME", ["api.payments.acme-corp.com."], ttl=300))
            if i % 3 == 0:
                token = uuid.UUID(int=self.rand.getrandbits(128)).hex
                r.append(rr(f"_{token}.{host}", "CNAME", [f"_{token[::-1]}.mhbtsbpdnt.acm-validations.aws."], ttl=300))
        self.write(zone_id, z, False, r)
        return zone_id

    def payments_internal(self, vpcs):
        """The payments VPC's own internal.acme-corp.com: the same name as the network account's
        private zone, with other records (split horizon: which answer a host gets depends on its VPC)."""
        z = "internal.acme-corp.com."
        zone_id, _ = self.zone(z, "Service discovery for the payments VPC", vpcs)
        r = [rr("vault." + z, "A", ["10.32.0.10", "10.32.0.11", "10.32.0.12"], ttl=60),
             rr("ledger-db." + z, "CNAME", ["payments-ledger.cluster-p4q5r6s7.us-east-1.rds.amazonaws.com."], ttl=30,
                SetIdentifier="ledger-use1", Failover="PRIMARY"),
             rr("ledger-db." + z, "CNAME", ["payments-ledger.cluster-p9q8r7s6.us-west-2.rds.amazonaws.com."], ttl=30,
                SetIdentifier="ledger-usw2", Failover="SECONDARY"),
             rr("hsm." + z, "A", ["10.32.9.4", "10.32.9.5"], ttl=300),
             rr("tokenizer." + z, "A", ["10.32.4.20"], ttl=60, SetIdentifier="tokenizer-a", Weight=50),
             rr("tokenizer." + z, "A", ["10.32.4.21"], ttl=60, SetIdentifier="tokenizer-b", Weight=50),
             rr("_kafka._tcp." + z, "SRV", [f"0 100 9092 kafka-{k}.internal.acme-corp.com." for k in (1, 2, 3)], ttl=300)]
        r += [rr(f"kafka-{k}." + z, "A", [f"10.32.5.{10 + k}"], ttl=300) for k in (1, 2, 3)]
        # The same service names as in the network account's zone, with this VPC's addresses.
        for team in ("payments", "ledger", "billing", "checkout"):
            for env in ("prod", "staging"):
                base = f"{team}.{env}.use1.{z}"
                third = self.rand.randrange(2, 250)
                r.append(rr(base, "A", [f"10.32.{third}.{self.rand.randrange(2, 250)}" for _ in range(3)], ttl=60))
                r.append(rr(f"_grpc._tcp.{base}", "SRV", [f"0 50 8443 {base}"], ttl=60))
                for k in range(1, 7):
                    r.append(rr(f"{team}-worker-{k}.{env}.use1.{z}", "A",
                                [f"10.32.{third}.{self.rand.randrange(2, 250)}"], ttl=60))
        self.write(zone_id, z, True, r)
        return zone_id

    def analytics_public(self):
        z = "acme-analytics.com."
        zone_id, _ = self.zone(z, "Customer-facing analytics (staging)")
        r = [alias(z, "A", CLOUDFRONT_ZONE, "d5a7n9l1y3t5c7.cloudfront.net."),
             alias("www." + z, "A", zone_id, z),
             rr(z, "TXT", ['"v=spf1 -all"'], ttl=3600),
             rr(z, "MX", ["0 ."], ttl=3600),
             alias("dashboards." + z, "A", ELB_ZONES["us-east-1"], elb("superset-staging", "us-east-1"), True),
             alias("api." + z, "A", ELB_ZONES["us-east-1"], elb("analytics-api-staging", "us-east-1"), True),
             rr("embed." + z, "CNAME", ["dashboards.acme-analytics.com."], ttl=300),
             rr("*.sandbox." + z, "CNAME", ["dashboards.acme-analytics.com."], ttl=60)]
        for word in WORDS[:20]:
            r.append(rr(f"{word}.customers.{z}", "CNAME", ["embed.acme-analytics.com."], ttl=300))
        self.write(zone_id, z, False, r)
        return zone_id

    def data_private(self, vpcs):
        z = "data.staging.acme-corp.io."
        zone_id, _ = self.zone(z, "Data platform, staging VPC", vpcs)
        r = [rr("airflow." + z, "A", ["10.96.1.10"], ttl=60),
             rr("airflow-db." + z, "CNAME", ["airflow-staging.c7d8e9f0.us-east-1.rds.amazonaws.com."], ttl=60),
             rr("trino." + z, "A", ["10.96.2.10"], ttl=60),
             rr("jupyter." + z, "A", ["10.96.3.10", "10.96.3.11"], ttl=60),
             rr("warehouse." + z, "CNAME", ["acme-staging.abc123xyz.us-east-1.redshift.amazonaws.com."], ttl=300),
             rr("schema-registry." + z, "A", ["10.96.4.10"], ttl=300),
             rr("_kafka._tcp." + z, "SRV", [f"0 100 9092 broker-{k}.data.staging.acme-corp.io." for k in range(1, 7)], ttl=300)]
        r += [rr(f"broker-{k}." + z, "A", [f"10.96.5.{10 + k}"], ttl=300) for k in range(1, 7)]
        r += [rr(f"trino-worker-{k}." + z, "A", [f"10.96.2.{20 + k}"], ttl=60) for k in range(1, 25)]
        r += [rr(f"spark-{k}." + z, "A", [f"10.96.6.{10 + k}"], ttl=60) for k in range(1, 17)]
        self.write(zone_id, z, True, r)
        return zone_id


class Organization:
    """The demo's AWS Organization: the emulator's default account is the management account;
    the member accounts are created once (a second seed against the same emulator finds them)."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        kw = client_args(endpoint)
        self.org = boto3.client("organizations", **kw)
        self.sts = boto3.client("sts", **kw)

    def create(self):
        try:
            self.org.create_organization(FeatureSet="ALL")
        except self.org.exceptions.AlreadyInOrganizationException:
            pass
        root = self.org.list_roots()["Roots"][0]["Id"]
        ous = {ou["Name"]: ou["Id"]
               for page in self.org.get_paginator("list_organizational_units_for_parent").paginate(ParentId=root)
               for ou in page["OrganizationalUnits"]}
        accounts = {a["Name"]: a["Id"] for page in self.org.get_paginator("list_accounts").paginate()
                    for a in page["Accounts"]}
        members = []
        for name, ou, zones in MEMBER_ACCOUNTS:
            if ou not in ous:
                ous[ou] = self.org.create_organizational_unit(ParentId=root, Name=ou)["OrganizationalUnit"]["Id"]
            if name not in accounts:
                accounts[name] = self.create_account(name)
                self.org.move_account(AccountId=accounts[name], SourceParentId=root, DestinationParentId=ous[ou])
            members.append((accounts[name], name, zones))
        return members

    def create_account(self, name):
        status = self.org.create_account(Email=f"aws+{name}@acme-corp.com", AccountName=name)["CreateAccountStatus"]
        for _ in range(60):
            if status["State"] == "SUCCEEDED":
                return status["AccountId"]
            if status["State"] == "FAILED":
                raise SystemExit(f"error: CreateAccount {name} failed: {status.get('FailureReason')}")
            time.sleep(1)
            status = self.org.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
        raise SystemExit(f"error: CreateAccount {name} still {status['State']} after 60 s")

    def credentials(self, account_id):
        role = f"arn:aws:iam::{account_id}:role/{ADMIN_ROLE}"
        return self.sts.assume_role(RoleArn=role, RoleSessionName="zonetrail-demo-seed")["Credentials"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", required=True, help="the emulator's URL, e.g. http://127.0.0.1:5000")
    parser.add_argument("--summary", help="write a JSON summary of the seeded zones here")
    parser.add_argument("--organization", action="store_true",
                        help="also create an AWS Organization with two member accounts and their zones")
    args = parser.parse_args()

    seeder = Seeder(args.endpoint, account_name="management" if args.organization else None)
    prod = [seeder.vpc("us-east-1", "10.0.0.0/16", "prod-use1"), seeder.vpc("eu-west-1", "10.64.0.0/16", "prod-euw1")]
    staging = [seeder.vpc("us-east-1", "10.128.0.0/16", "staging-use1")]

    dev_id, dev_ns = seeder.dev_zone()
    com_id = seeder.corp_com(dev_ns)
    seeder.corp_net()
    seeder.internal(prod)
    seeder.reverse(prod)
    seeder.staging(staging)
    seeders = [seeder]

    if args.organization:
        org = Organization(args.endpoint)
        members = org.create()
        # The emulator names the management account "master" in Organizations.
        names = {a["Id"]: a["Name"] for page in org.org.get_paginator("list_accounts").paginate() for a in page["Accounts"]}
        seeder.account_name = names.get(MANAGEMENT_ACCOUNT, seeder.account_name)
        for z in seeder.zones:
            z["account_name"] = seeder.account_name
        for n, (account_id, name, zones) in enumerate(members):
            member = Seeder(args.endpoint, account_id, name, org.credentials(account_id), seed=20261122 + n + 1)
            # Each account has its own VPCs (the CIDRs follow the private zones' addresses).
            vpc = member.vpc("us-east-1", f"10.{32 + 64 * n}.0.0/16", f"{name}-use1")
            for method in zones:
                if method.endswith(("_internal", "_private")):
                    getattr(member, method)([vpc])
                else:
                    getattr(member, method)()
            seeders.append(member)

    zones = [z for s in seeders for z in s.zones]
    total = sum(z["record_sets"] for z in zones)
    accounts = [{"id": s.account_id, "name": s.account_name, "zones": len(s.zones),
                 "record_sets": sum(z["record_sets"] for z in s.zones)} for s in seeders]
    plural = "account" if len(accounts) == 1 else "accounts"
    print(f"  seeded {len(zones)} zones in {len(accounts)} {plural}, {total} record sets", flush=True)
    if args.organization:
        for a in accounts:
            print(f"    {a['id']}  {a['name']:<14} {a['zones']:>2} zones  {a['record_sets']:>5} record sets", flush=True)
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump({"zones": zones, "record_sets": total, "accounts": accounts,
                       "main_zone": com_id, "dev_zone": dev_id}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
