// Checks Adaptive Cards with Microsoft's own renderer library (npm "adaptivecards"), offline.
// stdin: a JSON array of cards; stdout: for each card, the list of problems the library reports.
const AC = require("adaptivecards/dist/adaptivecards.js");

const cards = JSON.parse(require("fs").readFileSync(0, "utf8"));
const results = cards.map((json) => {
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
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
