#!/bin/sh
# A stand-in for vblade in test-aoe ("vblade shelf slot netif filename"):
# a real process that serves nothing and runs until it is stopped.
exec sleep 300
