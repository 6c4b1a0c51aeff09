"""Transform a SAM template to CloudFormation with aws-sam-translator (no AWS calls).

Usage: sam_translate.py SAM_JSON OUT_JSON [--code-uri s3://bucket/key]

aws-sam-translator only accepts an S3 CodeUri (the SAM CLI uploads a local
path first and rewrites it), so the tests replace `goblet package`'s local
`bootstrap.zip` with an s3:// placeholder through --code-uri.
"""

import argparse
import json
import os
import sys

# The translator picks the partition from the region; any region of `aws` will do.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.translator.transform import transform


class NoManagedPolicies:
    """goblet templates name no AWS managed policies: nothing to look up."""

    def load(self):
        return {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sam")
    parser.add_argument("out")
    parser.add_argument("--code-uri")
    args = parser.parse_args()
    with open(args.sam) as f:
        template = json.load(f)
    if args.code_uri:
        for resource in template.get("Resources", {}).values():
            if resource.get("Type") == "AWS::Serverless::Function":
                resource["Properties"]["CodeUri"] = args.code_uri
    try:
        cfn = transform(template, {}, NoManagedPolicies())
    except Exception as e:  # InvalidDocumentException lists its causes
        causes = getattr(e, "causes", None) or []
        print(f"transform failed: {e}", file=sys.stderr)
        for cause in causes:
            print(f"  {cause}", file=sys.stderr)
        return 1
    with open(args.out, "w") as f:
        json.dump(cfn, f, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
