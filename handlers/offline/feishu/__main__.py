from handlers.offline.feishu.server import main

raise SystemExit(main())
