#!/usr/bin/env bun
// Development entry point: the UI comes from ui/dist on disk.
import { uiAssetsFromDirectory } from '../http/ui-assets.ts';
import { runCli } from './cli.ts';

process.exitCode = await runCli(process.argv.slice(2), uiAssetsFromDirectory());
