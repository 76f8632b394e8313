#!/usr/bin/env python3
"""Writes scenarios/doc_edit/base.json from the compact notation below (run from the repo root).

Each document: D(id, kind, titles, lead, units, close). lead/close: (formal, casual, enthusiastic).
Units: ("s"|"m"|"l", text) kept from short/medium/long up; ("a", beginner, expert) audience
variants; ("b", text) beginner-only explanation; ("p", point, text) an optional point.
A text starting with "|" starts a new paragraph. Every fourth document is in the test split.
"""
import json

DOCS = []


def D(id, kind, titles, lead, units, close):
    DOCS.append((id, kind, titles, lead, units, close))


D("office_move", "announcement", ("Office Move on 4 March", "New Desks, New View!"),
  ("Our team will relocate to the new office at 12 Harbour Street on 4 March.",
   "We're moving to the new office at 12 Harbour Street on 4 March.",
   "Big news: we're moving to our new office at 12 Harbour Street on 4 March!"),
  [("s", "Please pack your desk into the labelled crates by Friday afternoon."),
   ("a", "The movers will carry every crate, so you only need to fill and label them.",
    "Movers handle transport; IT will re-image docking stations on arrival."),
   ("m", "The old building closes at noon on 3 March."),
   ("b", "A crate is a plastic box with a lid that you can seal with tape."),
   ("p", "parking", "Staff parking moves to the garage behind the new building."),
   ("l", "|The kitchen on the new floor is twice the size of the current one."),
   ("p", "the deadline", "Crates that are not labelled by Friday will stay behind.")],
  ("Thank you for your cooperation.", "Thanks, everyone!", "We can't wait to see you there!"))

D("bake_sale", "email", ("Bake Sale This Saturday", "Cakes for a Cause!"),
  ("The school will hold a bake sale this Saturday from ten until two.",
   "We're having a bake sale this Saturday from ten till two.",
   "Our bake sale is this Saturday from ten till two and it's going to be great!"),
  [("s", "All money raised goes to the new library books."),
   ("a", "If you bake, please write the ingredients on a card next to your cake.",
    "Bakers must label all fourteen major allergens on each item."),
   ("m", "Volunteers can drop off their baking in the hall from nine."),
   ("b", "A bake sale is where people sell home-made cakes and biscuits."),
   ("p", "pricing", "Most items will cost one or two pounds."),
   ("l", "|Last year we sold out before noon, so come early."),
   ("p", "helpers", "We still need two helpers to run the till.")],
  ("We look forward to your support.", "See you there!", "Come hungry and bring your friends!"))

D("password_reset", "how-to", ("How to Reset Your Password", "Locked Out? Get Back In Fast"),
  ("This guide explains how to reset your account password.",
   "Here's how to reset your password.",
   "Resetting your password takes less than a minute!"),
  [("s", "Open the sign-in page and choose Forgot password."),
   ("s", "Enter the email address linked to your account."),
   ("a", "Open the email we send you and click the link inside it within one hour.",
    "The reset token in the email expires after sixty minutes."),
   ("b", "A link is the underlined text that takes you to a new page when you click it."),
   ("m", "Choose a new password with at least twelve characters."),
   ("p", "security", "Never share the reset link with anyone else."),
   ("l", "|If the email does not arrive, check your spam folder first.")],
  ("Please contact support if the problem persists.", "Still stuck? Just ping support.",
   "You're all set, enjoy your fresh start!"))

D("coffee_grinder", "product description", ("The Burr Grinder 200", "Grind Better, Brew Better"),
  ("The Burr Grinder 200 produces an even grind for every brewing method.",
   "The Burr Grinder 200 gives you an even grind, whatever way you brew.",
   "Meet the Burr Grinder 200, the secret to amazing coffee every morning!"),
  [("s", "It offers forty grind settings, from espresso to French press."),
   ("a", "The grinding parts are made of steel, so they stay sharp for years.",
    "Its conical steel burrs keep particle size consistent with low heat transfer."),
   ("m", "The hopper holds enough beans for about twelve cups."),
   ("b", "A finer grind suits espresso, and a coarser grind suits a cafetiere."),
   ("p", "pricing", "It costs ninety-nine pounds, with free delivery."),
   ("l", "|The motor is quiet enough to use while the house is asleep."),
   ("p", "warranty", "Every grinder comes with a two-year warranty.")],
  ("It is available from our online shop.", "Grab one from our shop.",
   "Order yours today and taste the difference!"))

D("team_lunch", "email", ("Team Lunch on Thursday", "Lunch Is On Us!"),
  ("You are invited to a team lunch on Thursday at half past twelve.",
   "Team lunch is on Thursday at half twelve.",
   "Get ready for our team lunch on Thursday at half twelve!"),
  [("s", "We have booked the long table at Rosa's on Mill Lane."),
   ("s", "The company will pay for one main course and one drink each."),
   ("a", "Tell me by Tuesday if you have any food you cannot eat.",
    "Send dietary requirements by Tuesday so the kitchen can prepare."),
   ("m", "We should be back at our desks by two."),
   ("p", "transport", "A minibus will leave from reception at quarter past twelve."),
   ("l", "|It is a chance to welcome the three people who joined this month.")],
  ("Kind regards.", "Cheers!", "It's going to be a great afternoon!"))

D("garden_blog", "blog opening", ("Starting a Vegetable Garden", "Grow Your Own Dinner"),
  ("This spring I decided to turn part of my lawn into a vegetable garden.",
   "This spring I dug up half my lawn to grow vegetables.",
   "This spring I finally did it and turned my lawn into a vegetable garden!"),
  [("s", "I started with three raised beds and a small compost bin."),
   ("a", "I chose easy plants like lettuce, beans and courgettes for the first year.",
    "I chose high-yield, low-maintenance crops with short days to harvest."),
   ("m", "The beds get about six hours of sun a day."),
   ("b", "A raised bed is a wooden frame filled with soil above the ground."),
   ("p", "costs", "The whole setup cost me about eighty pounds."),
   ("l", "|My neighbour gave me seedlings that she had grown on her windowsill."),
   ("p", "mistakes", "My first mistake was planting everything in the same week.")],
  ("In this series I will share what I learn.", "I'll share how it goes here.",
   "Follow along, because there's so much more to come!"))

D("server_maintenance", "announcement", ("Planned Server Maintenance", "A Quick Tune-Up for Our Servers"),
  ("Our servers will be unavailable on Sunday from one until four in the morning.",
   "The servers will be down on Sunday night from one to four am.",
   "We're giving our servers a tune-up on Sunday from one to four am!"),
  [("s", "During this window you will not be able to sign in."),
   ("a", "Please save your work and sign out before you leave on Saturday.",
    "Active sessions will be terminated; queue no batch jobs during the window."),
   ("m", "We will install security updates and replace two disks."),
   ("b", "A server is the computer that runs the website for everyone."),
   ("p", "status page", "Progress will be posted on the status page."),
   ("l", "|This is the first planned outage in six months.")],
  ("We apologise for any inconvenience.", "Sorry for the hassle!",
   "Everything will be faster afterwards!"))

D("yoga_class", "announcement", ("New Morning Yoga Class", "Stretch Into Your Day!"),
  ("A new morning yoga class will begin at the community centre on Monday.",
   "There's a new morning yoga class at the community centre from Monday.",
   "Our brand new morning yoga class starts this Monday at the community centre!"),
  [("s", "Classes run from seven to eight every weekday."),
   ("a", "No experience is needed, and the teacher will show each pose slowly.",
    "The sessions follow a vinyasa sequence with optional advanced variations."),
   ("m", "Please bring your own mat and a bottle of water."),
   ("b", "Yoga is a series of gentle stretches combined with slow breathing."),
   ("p", "pricing", "A single class costs five pounds, or forty for ten."),
   ("l", "|The hall is warm, so wear light clothing.")],
  ("Registration is available at the front desk.", "Sign up at the front desk.",
   "Sign up now, spaces are going fast!"))

D("invoice_reminder", "email", ("Invoice Reminder", "A Friendly Nudge About Invoice 4417"),
  ("This is a reminder that invoice 4417 is now fourteen days overdue.",
   "Just a reminder that invoice 4417 is two weeks overdue.",
   "Quick reminder: invoice 4417 is two weeks overdue, and we'd love to close it out!"),
  [("s", "The amount due is one thousand two hundred pounds."),
   ("a", "You can pay by bank transfer using the details at the bottom of the invoice.",
    "Payment by BACS to the account on the invoice; quote the reference 4417."),
   ("m", "If you have already paid, please ignore this message."),
   ("b", "An invoice is the bill we sent for the work we did in May."),
   ("p", "late fee", "A late fee of two percent applies after thirty days."),
   ("l", "|We have valued working with you on the spring campaign.")],
  ("Yours sincerely.", "Thanks a lot!", "Thanks so much, we really appreciate it!"))

D("bike_repair", "how-to", ("Fixing a Flat Bike Tyre", "Flat Tyre? No Problem!"),
  ("This guide explains how to fix a flat bicycle tyre at home.",
   "Here's how to fix a flat bike tyre yourself.",
   "Fixing a flat tyre is easier than you think!"),
  [("s", "Remove the wheel and let out any remaining air."),
   ("s", "Use two tyre levers to lift one side of the tyre off the rim."),
   ("a", "Pull out the inner tube and find the hole by listening for air.",
    "Extract the tube and locate the puncture by submerging it in water."),
   ("b", "The inner tube is the rubber ring inside the tyre that holds the air."),
   ("m", "Patch the hole or fit a new tube, then refit the tyre."),
   ("p", "safety", "Check the inside of the tyre for glass before you refit it."),
   ("l", "|The whole job takes about twenty minutes.")],
  ("Regular checks will help prevent future punctures.", "Happy riding!",
   "Now get back out there and ride!"))

D("book_club", "email", ("Book Club Meeting", "Pages, Tea and Good Company"),
  ("The next book club meeting will take place on the fifteenth at seven.",
   "Book club is on the fifteenth at seven.",
   "Book club is back on the fifteenth at seven!"),
  [("s", "We will be discussing The Lighthouse Keeper by Anna Reyes."),
   ("a", "You do not need to have finished the book to come along.",
    "We'll focus on the second half, especially the unreliable narration."),
   ("m", "Sam has kindly offered to host at his flat."),
   ("p", "food", "Please bring a snack to share."),
   ("l", "|Next month we will vote on the books for the autumn."),
   ("p", "new members", "New members are always welcome, so bring a friend.")],
  ("We hope you are able to attend.", "Hope to see you there!", "It's going to be a lovely evening!"))

D("solar_panels", "blog opening", ("Our First Year with Solar Panels", "Sunshine Paid Our Bills"),
  ("A year ago we installed twelve solar panels on our roof.",
   "A year ago we put twelve solar panels on the roof.",
   "One year ago we got twelve solar panels and it changed everything!"),
  [("s", "They produced about four thousand units of electricity."),
   ("a", "That covered a bit more than half of what our house uses in a year.",
    "That's a self-consumption ratio of roughly fifty-five percent without storage."),
   ("m", "Summer output was four times higher than winter output."),
   ("b", "A unit of electricity is one kilowatt hour, the measure on your bill."),
   ("p", "costs", "The installation cost six thousand pounds."),
   ("l", "|Cleaning them once in spring made a noticeable difference."),
   ("p", "battery", "We are now thinking about adding a battery.")],
  ("The following sections examine the figures in detail.", "Here's how the numbers worked out.",
   "Let me show you the amazing numbers!"))

D("library_hours", "announcement", ("Library Opening Hours", "More Time for Books!"),
  ("From 1 June the library will open until eight in the evening on weekdays.",
   "From 1 June the library stays open till eight on weekdays.",
   "Great news: from 1 June the library is open until eight on weekdays!"),
  [("s", "Saturday hours stay the same, from nine until five."),
   ("a", "You can borrow up to ten books at a time with your library card.",
    "The loan limit remains ten items, with renewals available online."),
   ("m", "The study room can now be booked for evening sessions."),
   ("b", "A library card is free and you can get one at the desk."),
   ("p", "parking", "Free parking is available behind the building after six."),
   ("l", "|The change follows a survey of more than five hundred members.")],
  ("We thank our members for their feedback.", "Thanks for telling us what you wanted!",
   "We can't wait to see you in the evenings!"))

D("headphones", "product description", ("Quietline Wireless Headphones", "Hear Only What Matters"),
  ("Quietline headphones block outside noise so you can focus on your music.",
   "Quietline headphones shut out the noise so it's just you and your music.",
   "Quietline headphones make the world go quiet and your music come alive!"),
  [("s", "The battery lasts up to thirty hours on a single charge."),
   ("a", "They connect to your phone without wires in a few seconds.",
    "They support Bluetooth 5.3 with multipoint pairing and AAC."),
   ("m", "Soft ear cushions keep them comfortable on long trips."),
   ("b", "Noise cancelling uses tiny microphones to cancel out background sound."),
   ("p", "pricing", "They cost one hundred and forty-nine pounds."),
   ("l", "|They fold flat into a slim travel case."),
   ("p", "colours", "Choose from black, sand or forest green.")],
  ("They are available in stores now.", "Pick up a pair in store now.",
   "Get yours today and hear the difference!"))

D("volunteer_day", "email", ("Volunteer Day at the Park", "Let's Make the Park Shine!"),
  ("We are organising a volunteer day at Riverside Park on the twentieth.",
   "We're doing a volunteer day at Riverside Park on the twentieth.",
   "Join us for a volunteer day at Riverside Park on the twentieth!"),
  [("s", "We will plant trees and clear litter from the river bank."),
   ("a", "Gloves and tools are provided, so just wear old clothes and sturdy shoes.",
    "Tools and PPE are provided; we'll work in teams of six with a site lead."),
   ("m", "We meet at the main gate at nine and finish by one."),
   ("p", "lunch", "Lunch will be provided for all volunteers."),
   ("l", "|Last year forty people planted over two hundred trees."),
   ("p", "children", "Children are welcome if they come with an adult.")],
  ("Please confirm your attendance by replying to this email.", "Just reply if you're in!",
   "Reply now and be part of something great!"))

D("git_branches", "how-to", ("Working with Git Branches", "Branch Out Without Fear"),
  ("This note explains how to create and merge a branch in Git.",
   "Here's a quick guide to making and merging Git branches.",
   "Branches are the best way to try ideas without breaking anything!"),
  [("a", "Create a branch with git switch -c followed by a name for your change.",
    "Create a topic branch with git switch -c and keep it short-lived."),
   ("s", "Commit your changes on the branch as you work."),
   ("b", "A branch is a separate copy of the project where you can try changes safely."),
   ("m", "When you are done, open a pull request for review."),
   ("p", "conflicts", "If Git reports a conflict, edit the marked lines and commit again."),
   ("l", "|Delete the branch once it has been merged.")],
  ("Further guidance is available in the team handbook.", "More tips are in the handbook.",
   "Happy branching!"))

D("cafe_opening", "announcement", ("New Cafe Opening on Elm Road", "Your New Favourite Cafe!"),
  ("The Corner Cup cafe will open on Elm Road next Saturday.",
   "The Corner Cup cafe opens on Elm Road next Saturday.",
   "The Corner Cup cafe finally opens on Elm Road next Saturday!"),
  [("s", "We will serve coffee, fresh bread and homemade soup."),
   ("a", "All our coffee is made from beans roasted just down the road.",
    "We source single-origin beans from a local micro-roaster, roasted weekly."),
   ("m", "We are open from seven until four, every day except Monday."),
   ("p", "opening offer", "The first coffee is free for everyone on opening day."),
   ("l", "|There is a small garden at the back for sunny days."),
   ("p", "dogs", "Dogs are welcome inside.")],
  ("We look forward to welcoming you.", "Come say hi!", "We can't wait to meet you all!"))

D("phishing_warning", "email", ("Phishing Emails Warning", "Don't Take the Bait!"),
  ("Several staff have received emails that pretend to come from our payroll team.",
   "Some of you have been getting fake emails that look like they're from payroll.",
   "Heads up: fake payroll emails are going around and we can beat them together!"),
  [("s", "These messages ask you to confirm your bank details through a link."),
   ("a", "Do not click the link, and delete the email straight away.",
    "Do not follow the link; the sending domain is spoofed and SPF fails."),
   ("b", "Phishing is when someone sends a fake email to steal your details."),
   ("m", "Payroll will never ask for bank details by email."),
   ("p", "reporting", "Forward any suspicious email to the security team."),
   ("l", "|So far nobody has lost any money.")],
  ("Thank you for remaining vigilant.", "Thanks for keeping an eye out!",
   "Together we'll keep the scammers out!"))

D("running_tips", "blog opening", ("Starting to Run", "From Sofa to Five K"),
  ("When I started running, I could barely manage one kilometre.",
   "When I started running, I could hardly do one kilometre.",
   "When I started running I could barely do one kilometre, and now I love it!"),
  [("s", "Three months later I finished my first five kilometre race."),
   ("a", "The trick was to mix short runs with walking breaks.",
    "I followed an interval plan, progressing run-to-walk ratios weekly."),
   ("m", "I ran three times a week, always on the same days."),
   ("b", "A five kilometre race is about three miles, a common distance for beginners."),
   ("p", "shoes", "Good shoes made a bigger difference than I expected."),
   ("l", "|Running with a friend kept me from skipping sessions.")],
  ("This post describes the plan I followed.", "Here's the plan I used.",
   "Here's the plan that got me there!"))

D("smart_lamp", "product description", ("Lumo Smart Desk Lamp", "Light That Knows You"),
  ("The Lumo desk lamp adjusts its brightness to the time of day.",
   "The Lumo desk lamp changes its brightness to match the time of day.",
   "The Lumo desk lamp magically adjusts to the time of day!"),
  [("s", "It gives cool light in the morning and warm light in the evening."),
   ("a", "You can control it from an app on your phone.",
    "It exposes a local API and works with Matter and Home Assistant."),
   ("m", "A touch strip on the base lets you dim it by hand."),
   ("b", "Warm light looks yellow and helps you relax before bed."),
   ("p", "pricing", "It costs fifty-nine pounds."),
   ("l", "|The arm folds down when you need more space on your desk.")],
  ("It is available in white and graphite.", "It comes in white or graphite.",
   "Pick yours up in white or graphite today!"))

D("parents_evening", "email", ("Parents' Evening", "Let's Talk About Your Child's Year"),
  ("Parents' evening for Year 5 will be held on Wednesday from four until seven.",
   "Year 5 parents' evening is on Wednesday from four till seven.",
   "Year 5 parents' evening is this Wednesday from four till seven, and we can't wait!"),
  [("s", "Each appointment lasts ten minutes."),
   ("a", "You can choose a time slot on the school website.",
    "Book slots through the parent portal under Events."),
   ("m", "Your child's books will be on the tables to look through."),
   ("p", "deadline", "Bookings close on Monday at noon."),
   ("l", "|Tea and coffee will be served in the hall.")],
  ("We look forward to meeting you.", "See you Wednesday!", "We're excited to share their progress!"))

D("backup_guide", "how-to", ("Backing Up Your Laptop", "Never Lose a File Again"),
  ("This guide explains how to back up your laptop to an external drive.",
   "Here's how to back up your laptop to an external drive.",
   "Backing up is the best thing you can do for your files!"),
  [("s", "Plug in the drive and open the backup settings."),
   ("a", "Choose the drive and switch on automatic backups.",
    "Select the volume and enable scheduled incremental snapshots."),
   ("b", "A backup is a second copy of your files kept somewhere safe."),
   ("m", "The first backup can take several hours."),
   ("p", "encryption", "Tick the box to encrypt the backup with a password."),
   ("l", "|Keep the drive somewhere other than your laptop bag.")],
  ("Regular backups are strongly recommended.", "Do it once a week and relax.",
   "Your future self will thank you!"))

D("choir_concert", "announcement", ("Choir Spring Concert", "Voices of Spring!"),
  ("The town choir will perform its spring concert at St Mary's Church on 12 April.",
   "The town choir's spring concert is at St Mary's Church on 12 April.",
   "The town choir's spring concert is coming to St Mary's Church on 12 April!"),
  [("s", "The programme includes folk songs and a new piece by a local composer."),
   ("a", "The concert lasts about an hour and a half with a short break.",
    "Ninety minutes with an interval; the second half is a cappella."),
   ("m", "Doors open at seven and the music begins at half past."),
   ("p", "tickets", "Tickets cost eight pounds at the door."),
   ("l", "|The choir has been rehearsing every Tuesday since January.")],
  ("We hope to see you there.", "Come along!", "Don't miss it!"))

D("new_hire", "email", ("Welcome to the Team", "Say Hello to Priya!"),
  ("Please join me in welcoming Priya Shah, who joins the design team on Monday.",
   "Say hi to Priya Shah, who starts on the design team on Monday.",
   "We're thrilled to welcome Priya Shah to the design team this Monday!"),
  [("s", "Priya will work on the mobile app."),
   ("a", "She has spent five years designing apps that are easy to use.",
    "She brings five years of UX research and interaction design experience."),
   ("m", "Her desk is next to the window on the third floor."),
   ("p", "mentor", "Tom will be her mentor for the first month."),
   ("l", "|Outside work she climbs and bakes sourdough.")],
  ("Please make her feel welcome.", "Drop by and say hello!", "Give her a big welcome!"))

D("meal_prep", "blog opening", ("Meal Prep for Busy Weeks", "Cook Once, Eat All Week"),
  ("Preparing meals on Sunday has saved me hours during the week.",
   "Cooking on Sundays has saved me loads of time in the week.",
   "Sunday meal prep has completely changed my week!"),
  [("s", "I cook two big dishes and portion them into boxes."),
   ("a", "Most dishes keep well in the fridge for three or four days.",
    "Cooked dishes hold safely at four degrees for up to four days."),
   ("m", "I freeze anything meant for Thursday or Friday."),
   ("b", "Meal prep simply means cooking your meals in advance."),
   ("p", "costs", "It also cut my food spending by about a third."),
   ("l", "|The hardest part was finding good containers.")],
  ("Below are my three most reliable recipes.", "Here are my three go-to recipes.",
   "Here are three recipes you'll love!"))

D("water_bottle", "product description", ("Trail Steel Water Bottle", "Cold for a Whole Day!"),
  ("The Trail bottle keeps drinks cold for twenty-four hours.",
   "The Trail bottle keeps your drinks cold all day long.",
   "The Trail bottle keeps your drinks icy cold for a whole day!"),
  [("s", "It holds seven hundred and fifty millilitres."),
   ("a", "The double wall stops the outside from getting wet or hot.",
    "Vacuum-insulated double-wall steel prevents condensation and heat transfer."),
   ("m", "The lid has a loop for clipping it to your bag."),
   ("p", "pricing", "It costs twenty-four pounds."),
   ("l", "|It fits most car cup holders."),
   ("p", "dishwasher", "The bottle is dishwasher safe.")],
  ("It is available in four colours.", "It comes in four colours.",
   "Pick your favourite of four colours!"))

D("fire_drill", "announcement", ("Fire Drill on Tuesday", "Practice Makes Safe"),
  ("A fire drill will take place on Tuesday morning.",
   "We're having a fire drill on Tuesday morning.",
   "Get ready: we're running a fire drill on Tuesday morning!"),
  [("s", "When the alarm sounds, leave by the nearest exit."),
   ("a", "Do not use the lifts, and gather in the car park by the gate.",
    "Lifts are isolated; assemble at point B and report to your warden."),
   ("m", "Wardens will check each floor is empty."),
   ("b", "A fire warden is a colleague trained to help everyone get out safely."),
   ("p", "timing", "The drill should take no more than fifteen minutes."),
   ("l", "|Visitors should follow their host.")],
  ("Thank you for your cooperation.", "Thanks, all!", "Let's beat last year's time!"))

D("spreadsheet_tip", "how-to", ("Sorting Data in a Spreadsheet", "Tame Your Messy Data"),
  ("This note shows how to sort a table in a spreadsheet.",
   "Here's how to sort a table in a spreadsheet.",
   "Sorting data is a small trick that saves you so much time!"),
  [("s", "Select any cell inside your table."),
   ("a", "Click Sort in the Data menu and choose the column you want to sort by.",
    "Use Data, Sort, and add levels for multi-key sorts."),
   ("m", "Tick the box if your table has a header row."),
   ("b", "A header row is the top row that holds the column names."),
   ("p", "undo", "If something goes wrong, press undo straight away."),
   ("l", "|Sorting does not change your formulas.")],
  ("Further tips will follow next week.", "More tips next week.", "Give it a try today!"))

D("market_stall", "announcement", ("Farmers Market Returns", "Fresh, Local and Back!"),
  ("The farmers market returns to the town square every Saturday from May.",
   "The farmers market is back in the town square every Saturday from May.",
   "The farmers market is back in the town square every Saturday from May!"),
  [("s", "More than twenty local growers will sell fruit, vegetables and cheese."),
   ("a", "Most stalls take cards as well as cash.",
    "Contactless payments are accepted at nearly all stalls."),
   ("m", "The market runs from eight until one."),
   ("p", "parking", "Parking is free in the Station Road car park on market days."),
   ("l", "|A coffee van will be there too."),
   ("p", "bags", "Please bring your own bags.")],
  ("We look forward to seeing you.", "See you there!", "Come and taste the season!"))

D("leave_request", "email", ("Annual Leave Request", "Time for a Break"),
  ("I would like to request annual leave from 10 to 21 July.",
   "I'd like to book some time off from 10 to 21 July.",
   "I'm hoping to take a well-earned break from 10 to 21 July!"),
  [("s", "That is nine working days in total."),
   ("a", "Jo has agreed to look after my work while I am away.",
    "Jo will cover my tickets and the weekly release."),
   ("m", "I will finish the quarterly report before I go."),
   ("p", "contact", "I will check my email once a day for anything urgent."),
   ("l", "|I have not taken leave since February.")],
  ("Please let me know if this is acceptable.", "Let me know if that works!",
   "Fingers crossed it works!"))

D("pottery_class", "announcement", ("Beginner Pottery Course", "Get Your Hands Muddy!"),
  ("A six-week pottery course will start at the arts centre on 3 October.",
   "There's a six-week pottery course at the arts centre from 3 October.",
   "Our six-week pottery course kicks off at the arts centre on 3 October!"),
  [("s", "Sessions are on Tuesday evenings from six until eight."),
   ("a", "You will learn to make bowls and cups on the wheel.",
    "Covers centring, throwing cylinders and trimming on the wheel."),
   ("m", "All clay and glazes are included."),
   ("b", "The wheel is a spinning plate that you shape the clay on."),
   ("p", "pricing", "The course costs one hundred and twenty pounds."),
   ("l", "|Your pieces will be fired in the kiln and ready to take home in November.")],
  ("Places are limited.", "Spaces are limited, so book soon.", "Grab a spot before they're gone!"))

D("budget_app", "product description", ("Pocket Budget App", "Know Where Your Money Goes"),
  ("Pocket Budget shows where your money goes each month.",
   "Pocket Budget shows you where your money goes every month.",
   "Pocket Budget finally shows you where all your money goes!"),
  [("s", "It sorts your spending into groups such as food, travel and bills."),
   ("a", "It connects to your bank so you do not have to type anything in.",
    "It uses open banking APIs for read-only transaction import."),
   ("m", "You can set a limit for each group and get a warning near it."),
   ("p", "pricing", "The basic version is free."),
   ("l", "|Reports can be exported for your accountant."),
   ("p", "privacy", "Your data is never sold.")],
  ("It is available for iPhone and Android.", "Get it on iPhone or Android.",
   "Download it today and take control!"))

D("travel_blog", "blog opening", ("Three Days in Lisbon", "Lisbon Stole My Heart"),
  ("I recently spent three days in Lisbon with a small backpack.",
   "I just spent three days in Lisbon with nothing but a backpack.",
   "I just spent three amazing days in Lisbon with only a backpack!"),
  [("s", "The city is built on hills, so comfortable shoes are essential."),
   ("a", "The old yellow trams are the easiest way up the steepest streets.",
    "Tram 28 covers the historic core but fills by nine; board at the terminus."),
   ("m", "Most museums are free on Sunday mornings."),
   ("p", "food", "The custard tarts alone are worth the trip."),
   ("l", "|I stayed in a guesthouse in Alfama."),
   ("p", "costs", "I spent about two hundred pounds, not counting flights.")],
  ("The itinerary below covers each day in turn.", "Here's what I did each day.",
   "Here's my day-by-day plan!"))

D("recycling_change", "announcement", ("Changes to Recycling Collection", "Recycling Just Got Easier"),
  ("From next month, glass will be collected in a separate box.",
   "From next month, glass goes in its own box.",
   "From next month, recycling gets even easier with a new glass box!"),
  [("s", "Each home will receive a green box by the end of this month."),
   ("a", "Put bottles and jars in the green box and leave the lids off.",
    "Glass only, rinsed, with metal closures removed."),
   ("m", "Collections will happen every two weeks on your usual day."),
   ("p", "extra boxes", "You can order an extra box on the council website."),
   ("l", "|The change will help the council recycle more glass.")],
  ("Thank you for recycling.", "Thanks for recycling!", "Together we can recycle more than ever!"))

D("wifi_setup", "how-to", ("Setting Up Guest Wi-Fi", "Share Your Wi-Fi Safely"),
  ("This guide explains how to set up a guest network on your router.",
   "Here's how to set up a guest Wi-Fi network.",
   "A guest network is the easiest way to share your Wi-Fi safely!"),
  [("s", "Open the router settings in your browser."),
   ("a", "Find the guest network option and turn it on.",
    "Enable the isolated guest SSID under Wireless settings."),
   ("b", "A router is the box that gives your home its internet connection."),
   ("m", "Choose a name and a password that you can share."),
   ("p", "security", "Guests will not be able to see your own devices."),
   ("l", "|Change the guest password every few months.")],
  ("Your guest network is now ready.", "That's it, you're done!", "Enjoy sharing with your guests!"))

D("charity_run", "email", ("Charity Run Sponsorship", "Help Me Run for a Good Cause!"),
  ("I am running ten kilometres on 8 September to raise money for the children's hospital.",
   "I'm running ten K on 8 September for the children's hospital.",
   "I'm running ten K on 8 September to raise money for the children's hospital!"),
  [("s", "My target is to raise five hundred pounds."),
   ("a", "You can sponsor me through the link on my fundraising page.",
    "Donate via my fundraising page; Gift Aid adds a quarter."),
   ("m", "I have been training four times a week since June."),
   ("p", "deadline", "The page closes at the end of September."),
   ("l", "|I will post my finishing time on the team channel.")],
  ("Thank you for your support.", "Thanks so much!", "Every pound makes a difference!"))

D("kettle", "product description", ("Rapid Boil Kettle", "Tea in Ninety Seconds!"),
  ("The Rapid kettle boils a full litre of water in ninety seconds.",
   "The Rapid kettle boils a litre of water in ninety seconds.",
   "The Rapid kettle boils a litre of water in just ninety seconds!"),
  [("s", "It has five temperature settings for different teas."),
   ("a", "It switches itself off when the water boils or the kettle is empty.",
    "It has boil-dry protection and an automatic cut-off."),
   ("m", "The window shows how much water is inside."),
   ("p", "pricing", "It costs thirty-five pounds."),
   ("l", "|The base turns all the way round, so it suits left and right hands.")],
  ("It is available in three finishes.", "It comes in three finishes.",
   "Get yours in one of three lovely finishes!"))

D("code_review", "how-to", ("Giving Good Code Reviews", "Reviews People Thank You For"),
  ("This note describes how to give useful code reviews.",
   "Here's how to give code reviews people actually find useful.",
   "Great code reviews make the whole team better!"),
  [("s", "Read the description first so you know what the change is for."),
   ("a", "Comment on the code, not the person, and explain why.",
    "Distinguish blocking issues from nits and justify each request."),
   ("m", "Try to reply within one working day."),
   ("b", "A code review is when a colleague checks your changes before they are merged."),
   ("p", "praise", "Point out what was done well, too."),
   ("l", "|Small changes get better reviews than big ones.")],
  ("These guidelines apply to all repositories.", "That's all there is to it.",
   "Happy reviewing!"))

D("photo_walk", "announcement", ("Evening Photo Walk", "Chase the Golden Hour!"),
  ("The camera club will hold an evening photo walk along the canal on Friday.",
   "The camera club is doing an evening photo walk along the canal on Friday.",
   "Join the camera club for an evening photo walk along the canal this Friday!"),
  [("s", "We will meet at the lock bridge at seven."),
   ("a", "Any camera is fine, even the one on your phone.",
    "Bring a fast prime or a tripod for the low light after sunset."),
   ("m", "The walk is about three kilometres and ends at the Boat Inn."),
   ("b", "The golden hour is the hour before sunset when the light is soft and warm."),
   ("p", "weather", "If it rains, we will move the walk to Sunday."),
   ("l", "|The best shots will go in the club newsletter.")],
  ("All members are welcome.", "Everyone's welcome!", "See you by the water!"))

D("standing_desk", "product description", ("Riser Standing Desk", "Stand Up for Your Back!"),
  ("The Riser desk moves between sitting and standing height at the press of a button.",
   "The Riser desk goes from sitting to standing with one button.",
   "The Riser desk goes from sitting to standing at the touch of a button!"),
  [("s", "It remembers three heights."),
   ("a", "The motor is quiet and lifts the top smoothly.",
    "Dual motors lift up to one hundred kilos at four centimetres per second."),
   ("m", "The top is one hundred and forty centimetres wide."),
   ("p", "pricing", "It costs three hundred and ninety pounds."),
   ("l", "|Assembly takes about thirty minutes."),
   ("p", "warranty", "The frame has a ten-year warranty.")],
  ("It is available in oak and white.", "It comes in oak or white.",
   "Order yours in oak or white today!"))

D("newsletter_intro", "email", ("Our First Newsletter", "Hello From Our Little Shop!"),
  ("Welcome to the first monthly newsletter from Fern and Thread.",
   "Welcome to the first monthly newsletter from Fern and Thread.",
   "Welcome to the very first newsletter from Fern and Thread!"),
  [("s", "Each month we will share new fabrics and sewing patterns."),
   ("a", "This month we have three easy patterns for tote bags.",
    "This month's patterns include a lined tote with a boxed base."),
   ("m", "Subscribers get early access to our sales."),
   ("p", "discount", "Use the code FERN10 for ten percent off."),
   ("l", "|We are a two-person shop based in Bristol.")],
  ("Thank you for subscribing.", "Thanks for signing up!", "We're so glad you're here!"))

# Extra long-only sentences, so that every source runs to at least 80 words.
EXTRA = {
    "team_lunch": ["Rosa's has a vegetarian menu and a quiet back room."],
    "server_maintenance": ["Email will keep working throughout the night."],
    "yoga_class": ["Mats can be borrowed for the first week."],
    "invoice_reminder": ["Our accounts team is happy to send a copy of the invoice."],
    "book_club": ["Copies are available at the town library.", "The author may join us by video for the last half hour."],
    "volunteer_day": ["Parking is available at the leisure centre next door."],
    "cafe_opening": ["Everything on the menu is baked in our own kitchen each morning.", "We also serve a children's menu."],
    "running_tips": ["Some weeks I walked more than I ran, and that was fine."],
    "parents_evening": ["Teachers will share examples of work from each term.", "If none of the times suit you, please contact the office to arrange a phone call.", "Younger brothers and sisters are welcome to come along."],
    "backup_guide": ["A backup drive does not need to be large or expensive."],
    "choir_concert": ["Children under twelve go free.", "Refreshments will be served during the interval.", "The church is fully accessible."],
    "new_hire": ["She previously worked at a travel start-up in Leeds.", "Her first project will be the new sign-up screens."],
    "meal_prep": ["I label every box with the day it was cooked."],
    "water_bottle": ["It weighs just under four hundred grams.", "The steel does not hold flavours, so coffee one day and water the next is fine.", "A spare lid can be ordered separately."],
    "fire_drill": ["Please do not stop to collect coats or bags.", "Anyone who needs help on the stairs should tell their warden in advance."],
    "spreadsheet_tip": ["You can sort from smallest to largest or the other way round.", "Sorting by colour is also possible."],
    "market_stall": ["Several stalls sell bread and cakes baked that morning.", "Dogs on leads are welcome."],
    "leave_request": ["The project plan already allows for the time away.", "I can move the dates by a few days if needed."],
    "pottery_class": ["Aprons are provided, but wear clothes you do not mind getting dirty."],
    "budget_app": ["Shared budgets let couples track spending together.", "Setup takes about five minutes."],
    "travel_blog": ["Sunset from the Graça viewpoint was the highlight of the trip."],
    "recycling_change": ["Lids can go in the blue bin with other metal.", "Plastic and cardboard collections are not changing.", "Broken glass should be wrapped and put in general waste."],
    "wifi_setup": ["Most routers support a guest network.", "The settings page is usually printed on a sticker on the router."],
    "charity_run": ["The hospital uses the money to buy play equipment for its wards.", "Last year our team raised over two thousand pounds."],
    "kettle": ["The handle stays cool to the touch.", "A keep-warm mode holds the water at temperature for thirty minutes.", "The filter lifts out for cleaning."],
    "code_review": ["Ask questions when something is unclear rather than guessing.", "Approve once your blocking comments are resolved."],
    "standing_desk": ["A cable tray under the top keeps wires tidy.", "The control panel locks to stop children changing the height."],
    "newsletter_intro": ["Every fabric we sell is chosen by hand.", "Reply to this email to tell us what you would like to see next month."],
}

assert len(DOCS) >= 40, len(DOCS)


def unit(u):
    tag = u[0]
    out = {}
    def txt(t):
        if t.startswith("|"):
            out["paragraph"] = True
            return t[1:]
        return t
    if tag in ("s", "m", "l"):
        out["text"] = txt(u[1])
        if tag != "s":
            out["length"] = {"m": "medium", "l": "long"}[tag]
    elif tag == "a":
        out["beginner"], out["expert"] = txt(u[1]), txt(u[2])
    elif tag == "b":
        out["text"], out["beginner_only"], out["length"] = txt(u[1]), True, "medium"
    elif tag == "p":
        out["text"], out["point"] = txt(u[2]), u[1]
    return out


docs = []
for i, (id, kind, titles, lead, units, close) in enumerate(DOCS):
    us = [{"formal": lead[0], "casual": lead[1], "enthusiastic": lead[2]}]
    us += [unit(u) for u in units]
    us += [{"text": t, "length": "long"} for t in EXTRA.get(id, [])]
    us.append({"formal": close[0], "casual": close[1], "enthusiastic": close[2],
               "length": "medium", "paragraph": True})
    points = []
    for u in units:
        if u[0] == "p" and u[1] not in points:
            points.append(u[1])
    docs.append({"id": id, "kind": kind, "split": "test" if i % 4 == 3 else "train",
                 "title": {"plain": titles[0], "catchy": titles[1]}, "points": points,
                 "units": us})

out = {
    "task": "doc_edit",
    "description": "Edit a short document to the user's hidden preferences (tone, length, "
                   "audience, structure, a point to mention, title); scored by BLEU-4.",
    "user": {
        "patience": 10,
        "assume_correction": 0.5,
        "openings": ["Can you help me polish this {kind}?\n\n{source}",
                     "Could you tidy up this {kind} for me?\n\n{source}"],
    },
    "documents": docs,
}
with open("scenarios/doc_edit/base.json", "w") as f:
    json.dump(out, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(len(docs), "documents")
