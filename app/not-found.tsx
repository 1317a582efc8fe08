import Link from 'next/link';

export default function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. Go to the <Link href="/">dashboard</Link>, the <Link href="/providers">providers</Link> or the{' '}
        <Link href="/registrations">registrations</Link>.
      </p>
    </>
  );
}
