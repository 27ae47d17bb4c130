// The CDK app's template assertions. One process for all suites, so that each context
// variant is synthesized once (test/helpers.ts caches them): a synth takes seconds.
import { after } from 'node:test';
import { removeAssemblies } from './helpers';
import './suites/queues';
import './suites/capture';
import './suites/database';
import './suites/api';
import './suites/site';
import './suites/operations';
import './suites/iam';
import './suites/config';
import './suites/compliance';
import './suites/organizations';
import './suites/backfill';
import './suites/notifications';
import './suites/findings';

after(removeAssemblies);
