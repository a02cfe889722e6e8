from crumbs.cli import main

raise SystemExit(main())
