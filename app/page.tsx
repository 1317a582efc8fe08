export default function Home() {
  return <main><h1>DDI Provider Registrations</h1></main>;
}
