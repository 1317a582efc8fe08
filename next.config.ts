import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  serverExternalPackages: ['better-sqlite3'],
  poweredByHeader: false,
  // No next/image anywhere: the optimizer stays off (the gate also answers 404 on /_next/image).
  images: { unoptimized: true },
  typedRoutes: false,
};

export default nextConfig;
