// Checks Adaptive Cards with Microsoft's own renderer library (npm "adaptivecards"), offline.
// stdin: a JSON array of cards; stdout: for each card, the list of problems the library reports.
// With --as-rendered: for each card, the card as the library keeps it after parsing (an element type it does not
// know, such as Teams' Chart.*, replaced by that element's `fallback`: what a client without it shows).
const AC = require("adaptivecards/dist/adaptivecards.js");
const asRendered = process.argv.includes("--as-rendered");

const cards = JSON.parse(require("fs").readFileSync(0, "utf8"));
const results = cards.map((json) => {
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  if (asRendered) {
    return card.toJSON();
  }
  const problems = [];
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    problems.push(`parse: ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  for (const event of card.validateProperties().validationEvents) {
    problems.push(`validate: ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  return problems;
});
process.stdout.write(JSON.stringify(results));
