#!/bin/sh
# Rebuilds patternfly.css, the part of PatternFly 4 the page uses, from the
# pinned npm release (the version Cockpit 287 and its pages are styled
# with), so the page looks native and works offline without a build step.
#   npm pack @patternfly/patternfly@4.224.2 && tar xzf patternfly-*.tgz
#   cockpit/vendor-patternfly.sh package >cockpit/patternfly.css
# The fonts' @font-face rules are dropped: cockpit.css loads the Red Hat
# fonts Cockpit itself serves.
set -eu
pf=${1:?usage: $0 PATH-TO-UNPACKED-@patternfly/patternfly}
version=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$pf/package.json")
[ "$version" = 4.224.2 ] || { echo "want @patternfly/patternfly 4.224.2, got $version" >&2; exit 1; }
echo "/* @patternfly/patternfly $version (MIT), selected parts; see vendor-patternfly.sh */"
for f in patternfly-base.css \
    components/Alert/alert.css components/Button/button.css \
    components/Card/card.css components/Check/check.css \
    components/Content/content.css \
    components/DescriptionList/description-list.css \
    components/EmptyState/empty-state.css components/Form/form.css \
    components/FormControl/form-control.css \
    components/HelperText/helper-text.css \
    components/InputGroup/input-group.css components/Label/label.css \
    components/Backdrop/backdrop.css components/ModalBox/modal-box.css \
    components/Page/page.css components/Table/table.css \
    components/Tabs/tabs.css components/Title/title.css \
    components/Toolbar/toolbar.css components/List/list.css \
    layouts/Flex/flex.css components/Divider/divider.css; do
	python3 -c 'import re, sys
css = open(sys.argv[1]).read()
css = re.sub(r"@font-face\s*\{[^}]*\}\s*", "", css)
css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
sys.stdout.write(css)' "$pf/$f"
done
