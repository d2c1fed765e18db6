"""The demo world: countries with their names, streets, cities, phone formats
and companies, and the words demo interactions are written with.

Small fixed tables rather than Faker, so the same seed gives the same people
whatever Faker version is installed. Phones use the fictional ranges where a
country has them (US 555, UK Ofcom drama numbers, French ARCEP fiction numbers).
"""

from dataclasses import dataclass

from crm.models import Interaction, Lead

Sentiment = Interaction.Sentiment
Consent = Lead.EmailConsent


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(","))


@dataclass(frozen=True)
class City:
    name: str
    region: str
    postal: str  # '#' is a random digit, '@' a random letter
    phones: tuple[str, ...]  # national formats, written as people write them


@dataclass(frozen=True)
class Country:
    code: str
    weight: int
    calling_code: str
    trunk: str  # the national prefix that E.164 drops
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    streets: tuple[str, ...]
    street_format: str
    cities: tuple[City, ...]
    mobiles: tuple[str, ...]
    company_words: tuple[str, ...]
    company_suffixes: tuple[str, ...]
    currency: str


def _us_city(name: str, state: str, zip3: str, *area_codes: str) -> City:
    return City(name, state, f"{zip3}##", tuple(f"({code}) 555-####" for code in area_codes))


def _uk_city(name: str, county: str, outward: str, phone: str) -> City:
    return City(name, county, f"{outward} #@@", (phone,))


COUNTRIES = (
    Country(
        code="US",
        weight=40,
        calling_code="1",
        trunk="",
        first_names=_words(
            "James, Mary, Robert, Patricia, John, Jennifer, Michael, Linda, David, Elizabeth, "
            "William, Barbara, Richard, Susan, Joseph, Jessica, Thomas, Sarah, Christopher, "
            "Karen, Daniel, Emily, Matthew, Ashley, Anthony, Megan, Kevin, Laura, Brian, "
            "Nicole, Jason, Olivia, Ryan, Hannah, Tyler, Grace, Marcus, Aisha, Carlos, Priya"
        ),
        last_names=_words(
            "Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, "
            "Martinez, Hernandez, Lopez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, "
            "Martin, Lee, Thompson, White, Harris, Clark, Lewis, Robinson, Walker, Young, "
            "Allen, King, Wright, Scott, Nguyen, Hill, Green, Adams, Baker, Patel, Kim, O'Brien"
        ),
        streets=_words(
            "Main St, Oak Ave, Market St, Broadway, Park Ave, 2nd St, Elm St, Washington Blvd, "
            "Maple Ave, Pine St, Cedar Ln, Highland Ave, Lake St, Sunset Blvd, Mission St"
        ),
        street_format="{number} {street}",
        cities=(
            _us_city("New York", "NY", "100", "212", "646"),
            _us_city("San Francisco", "CA", "941", "415"),
            _us_city("Los Angeles", "CA", "900", "213", "310"),
            _us_city("Chicago", "IL", "606", "312", "773"),
            _us_city("Boston", "MA", "021", "617"),
            _us_city("Seattle", "WA", "981", "206"),
            _us_city("Austin", "TX", "787", "512"),
            _us_city("Denver", "CO", "802", "303", "720"),
            _us_city("Atlanta", "GA", "303", "404", "678"),
            _us_city("Miami", "FL", "331", "305"),
            _us_city("Phoenix", "AZ", "850", "602"),
            _us_city("Minneapolis", "MN", "554", "612"),
            _us_city("Philadelphia", "PA", "191", "215"),
            _us_city("Portland", "OR", "972", "503"),
            _us_city("Nashville", "TN", "372", "615"),
            _us_city("Salt Lake City", "UT", "841", "801"),
            _us_city("Raleigh", "NC", "276", "919"),
            _us_city("Columbus", "OH", "432", "614"),
            _us_city("Detroit", "MI", "482", "313"),
            _us_city("Honolulu", "HI", "968", "808"),
            _us_city("Anchorage", "AK", "995", "907"),
        ),
        mobiles=(),
        company_words=_words(
            "Logistics, Health, Analytics, Foods, Manufacturing, Software, Partners, Energy, "
            "Media, Robotics, Labs, Supply"
        ),
        company_suffixes=_words("Inc., LLC, Group, Co."),
        currency="USD",
    ),
    Country(
        code="GB",
        weight=13,
        calling_code="44",
        trunk="0",
        first_names=_words(
            "Oliver, Amelia, George, Isla, Harry, Ava, Jack, Mia, Charlie, Emily, Thomas, "
            "Poppy, James, Sophie, William, Grace, Oscar, Lily, Henry, Freya, Alfie, Evie, "
            "Leo, Ella, Joshua, Chloe, Samuel, Charlotte, Rhys, Niamh, Callum, Eilidh"
        ),
        last_names=_words(
            "Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Robinson, Wright, "
            "Thompson, Evans, Walker, White, Roberts, Green, Hall, Wood, Jackson, Clarke, "
            "Patel, Khan, Hughes, Edwards, Lewis, Morgan, Campbell, MacDonald, Murphy, Kelly"
        ),
        streets=_words(
            "High Street, Station Road, Church Lane, Victoria Road, King Street, Mill Lane, "
            "Park Road, Queen Street, London Road, The Green"
        ),
        street_format="{number} {street}",
        cities=(
            _uk_city("London", "Greater London", "EC1V", "020 7946 0###"),
            _uk_city("Leeds", "West Yorkshire", "LS1", "0113 496 0###"),
            _uk_city("Sheffield", "South Yorkshire", "S1", "0114 496 0###"),
            _uk_city("Leicester", "Leicestershire", "LE1", "0116 496 0###"),
            _uk_city("Bristol", "Bristol", "BS1", "0117 496 0###"),
            _uk_city("Reading", "Berkshire", "RG1", "0118 496 0###"),
            _uk_city("Birmingham", "West Midlands", "B1", "0121 496 0###"),
            _uk_city("Edinburgh", "City of Edinburgh", "EH1", "0131 496 0###"),
            _uk_city("Glasgow", "Glasgow City", "G1", "0141 496 0###"),
            _uk_city("Liverpool", "Merseyside", "L1", "0151 496 0###"),
            _uk_city("Manchester", "Greater Manchester", "M1", "0161 496 0###"),
            _uk_city("Newcastle upon Tyne", "Tyne and Wear", "NE1", "0191 498 0###"),
            _uk_city("Cardiff", "Cardiff", "CF10", "029 2018 0###"),
            _uk_city("Belfast", "County Antrim", "BT1", "028 9649 6###"),
        ),
        # UK mobiles would do, but derive_time_zone reads them as Europe/Guernsey.
        mobiles=(),
        company_words=_words("Engineering, Consulting, Logistics, Software, Foods, Print"),
        company_suffixes=_words("Ltd, plc, Ltd, LLP"),
        currency="GBP",
    ),
    Country(
        code="DE",
        weight=14,
        calling_code="49",
        trunk="0",
        first_names=_words(
            "Lukas, Anna, Leon, Sophie, Finn, Marie, Jonas, Lena, Paul, Laura, Felix, Julia, "
            "Maximilian, Lea, Tim, Hannah, Jan, Katharina, Niklas, Sarah, Tobias, Johanna, "
            "Stefan, Sabine, Jürgen, Ute, Matthias, Petra, Andreas, Claudia, Jörg, Käthe"
        ),
        last_names=_words(
            "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, "
            "Hoffmann, Schäfer, Koch, Bauer, Richter, Klein, Wolf, Schröder, Neumann, Schwarz, "
            "Zimmermann, Braun, Krüger, Hartmann, Lange, Werner, Krause, Lehmann, Köhler, Weiß"
        ),
        streets=_words(
            "Hauptstraße, Bahnhofstraße, Schillerstraße, Gartenweg, Lindenallee, "
            "Goethestraße, Berliner Straße, Marktplatz, Kirchweg, Friedrichstraße"
        ),
        street_format="{street} {number}",
        cities=(
            City("Berlin", "Berlin", "10###", ("030 ########",)),
            City("München", "Bayern", "80###", ("089 ########",)),
            City("Hamburg", "Hamburg", "20###", ("040 ########",)),
            City("Köln", "Nordrhein-Westfalen", "50###", ("0221 #######",)),
            City("Frankfurt am Main", "Hessen", "60###", ("069 ########",)),
            City("Stuttgart", "Baden-Württemberg", "70###", ("0711 #######",)),
            City("Düsseldorf", "Nordrhein-Westfalen", "40###", ("0211 #######",)),
            City("Leipzig", "Sachsen", "04###", ("0341 #######",)),
        ),
        mobiles=("0151 ########", "0170 #######", "0176 ########"),
        company_words=_words(
            "Logistik, Maschinenbau, Software, Elektrotechnik, Medizintechnik, Verpackung, "
            "Consulting, Bau"
        ),
        company_suffixes=_words("GmbH, GmbH, AG, GmbH & Co. KG"),
        currency="EUR",
    ),
    Country(
        code="FR",
        weight=10,
        calling_code="33",
        trunk="0",
        first_names=_words(
            "Gabriel, Emma, Léo, Louise, Raphaël, Jade, Louis, Alice, Arthur, Chloé, Jules, "
            "Léa, Adam, Manon, Hugo, Inès, Lucas, Camille, Nathan, Sarah, Thomas, Juliette, "
            "Antoine, Hélène, François, Élodie, Mathieu, Céline, Nicolas, Aurélie"
        ),
        last_names=_words(
            "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, "
            "Simon, Laurent, Lefèvre, Michel, Garcia, David, Bertrand, Roux, Vincent, "
            "Fournier, Morel, Girard, André, Mercier, Dupont, Lambert, Bonnet, Legrand"
        ),
        streets=_words(
            "rue de la République, avenue Victor Hugo, boulevard Voltaire, rue du Moulin, "
            "place de la Gare, rue Pasteur, rue des Lilas, avenue Jean Jaurès"
        ),
        street_format="{number} {street}",
        cities=(
            City("Paris", "Île-de-France", "750##", ("01 99 00 ## ##",)),
            City("Lyon", "Auvergne-Rhône-Alpes", "6900#", ("04 65 71 ## ##",)),
            City("Marseille", "Provence-Alpes-Côte d'Azur", "130##", ("04 65 71 ## ##",)),
            City("Toulouse", "Occitanie", "310##", ("05 36 49 ## ##",)),
            City("Bordeaux", "Nouvelle-Aquitaine", "330##", ("05 36 49 ## ##",)),
            City("Nantes", "Pays de la Loire", "440##", ("02 61 91 ## ##",)),
            City("Lille", "Hauts-de-France", "590##", ("03 53 01 ## ##",)),
            City("Strasbourg", "Grand Est", "670##", ("03 53 01 ## ##",)),
        ),
        mobiles=(),
        company_words=_words("Conseil, Industries, Logistique, Informatique, Distribution"),
        company_suffixes=_words("SAS, SA, SARL"),
        currency="EUR",
    ),
    Country(
        code="NL",
        weight=8,
        calling_code="31",
        trunk="0",
        first_names=_words(
            "Daan, Emma, Sem, Julia, Lucas, Mila, Levi, Tess, Finn, Sophie, Milan, Zoë, "
            "Jesse, Sara, Bram, Anna, Thijs, Eva, Ruben, Lotte, Stijn, Fleur, Joris, Sanne, "
            "Pieter, Marloes, Koen, Annelies"
        ),
        last_names=_words(
            "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, "
            "Meijer, de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, "
            "Dekker, Brouwer, de Wit, Dijkstra, Smits, de Graaf, van der Meer, Kok"
        ),
        streets=_words(
            "Keizersgracht, Dorpsstraat, Kerkstraat, Stationsweg, Molenweg, Prinsengracht, "
            "Julianalaan, Schoolstraat"
        ),
        street_format="{street} {number}",
        cities=(
            City("Amsterdam", "Noord-Holland", "10## @@", ("020 ### ####",)),
            City("Rotterdam", "Zuid-Holland", "30## @@", ("010 ### ####",)),
            City("Den Haag", "Zuid-Holland", "25## @@", ("070 ### ####",)),
            City("Utrecht", "Utrecht", "35## @@", ("030 ### ####",)),
            City("Eindhoven", "Noord-Brabant", "56## @@", ("040 ### ####",)),
            City("Groningen", "Groningen", "97## @@", ("050 ### ####",)),
        ),
        mobiles=("06 1### ####", "06 2### ####", "06 5### ####"),
        company_words=_words("Techniek, Logistiek, Installatie, Software, Handel"),
        company_suffixes=_words("B.V., B.V., N.V."),
        currency="EUR",
    ),
    Country(
        code="ES",
        weight=8,
        calling_code="34",
        trunk="",
        first_names=_words(
            "Hugo, Lucía, Martín, Sofía, Mateo, Martina, Leo, María, Daniel, Julia, Pablo, "
            "Paula, Alejandro, Valeria, Manuel, Carmen, Javier, Elena, José, Laura, Sergio, "
            "Marta, Álvaro, Nuria, Jorge, Cristina, Diego, Ana"
        ),
        last_names=_words(
            "García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, "
            "Martín, Jiménez, Ruiz, Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, "
            "Gutiérrez, Navarro, Torres, Domínguez, Vázquez, Ramos, Gil, Serrano, Molina"
        ),
        streets=_words(
            "Calle Mayor, Gran Vía, Calle de Alcalá, Avenida de la Constitución, "
            "Paseo de Gracia, Calle Real, Calle del Sol, Avenida de América"
        ),
        street_format="{street}, {number}",
        cities=(
            City("Madrid", "Madrid", "280##", ("91 ### ## ##",)),
            City("Barcelona", "Barcelona", "080##", ("93 ### ## ##",)),
            City("Valencia", "Valencia", "460##", ("96 ### ## ##",)),
            City("Sevilla", "Sevilla", "410##", ("954 ## ## ##",)),
            City("Bilbao", "Bizkaia", "480##", ("944 ## ## ##",)),
            City("Málaga", "Málaga", "290##", ("952 ## ## ##",)),
        ),
        # Spanish mobiles would do, but derive_time_zone reads them as Atlantic/Canary.
        mobiles=(),
        company_words=_words("Soluciones, Logística, Ingeniería, Distribuciones, Tecnología"),
        company_suffixes=_words("S.L., S.A., S.L."),
        currency="EUR",
    ),
    Country(
        code="IT",
        weight=7,
        calling_code="39",
        trunk="",
        first_names=_words(
            "Leonardo, Sofia, Francesco, Aurora, Alessandro, Giulia, Lorenzo, Ginevra, "
            "Mattia, Alice, Andrea, Beatrice, Gabriele, Emma, Riccardo, Giorgia, Tommaso, "
            "Chiara, Marco, Francesca, Luca, Elena, Giuseppe, Martina, Niccolò, Valentina"
        ),
        last_names=_words(
            "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, "
            "Bruno, Gallo, Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, "
            "Moretti, Barbieri, Fontana, Santoro, Mariani, Rinaldi, Caruso, Ferrara, Galli"
        ),
        streets=_words(
            "Via Roma, Via Garibaldi, Corso Italia, Via Dante, Piazza Mazzini, Via Verdi, "
            "Via Cavour, Viale Europa"
        ),
        street_format="{street} {number}",
        cities=(
            City("Roma", "RM", "001##", ("06 #### ####",)),
            City("Milano", "MI", "201##", ("02 #### ####",)),
            City("Torino", "TO", "101##", ("011 ### ####",)),
            City("Napoli", "NA", "801##", ("081 ### ####",)),
            City("Bologna", "BO", "401##", ("051 ### ####",)),
            City("Firenze", "FI", "501##", ("055 ### ####",)),
        ),
        mobiles=("333 ### ####", "347 ### ####", "320 ### ####"),
        company_words=_words("Meccanica, Logistica, Impianti, Software, Alimentari"),
        company_suffixes=_words("S.r.l., S.p.A., S.r.l."),
        currency="EUR",
    ),
)

COINED_STARTS = _words("Blue, North, Bright, Iron, Silver, Summit, Harbor, Red, Clear, Oak")
COINED_ENDS = _words("peak, wind, line, works, stone, field, gate, bridge, wave, point")
TITLES = _words(
    "Head of Operations, Procurement Manager, Marketing Director, CTO, Office Manager, "
    "Sales Director, IT Manager, Purchasing Lead, CFO, Founder, Operations Analyst, "
    "Facilities Manager, VP Engineering, Project Manager, Customer Success Lead"
)
WEB_PAGES = _words("/pricing, /features, /customers, /integrations, /blog/call-queues, /demo")
ASSETS = _words("Pricing guide, ROI calculator, Case study: Northwind Logistics, Product tour")
BOOTH_INTERESTS = _words("call queue, email drips, letters, reporting, API")
PRODUCTS = (
    ("Starter plan (annual)", 1200),
    ("Pro plan (annual)", 4800),
    ("Team plan (annual)", 9600),
    ("Onboarding package", 1500),
)
CALL_NOTES = {
    Sentiment.POSITIVE: _words(
        "Interested; wants a demo for the team., Asked for pricing for 10 seats., "
        "Good fit. Budget approved for next quarter."
    ),
    Sentiment.NEUTRAL: _words(
        "Send more information by email., Evaluating two other tools., "
        "Decision after the summer; call back then."
    ),
    Sentiment.NEGATIVE: _words(
        "Happy with their current provider., No budget this year., Went with a competitor."
    ),
}
MEETING_NOTES = _words("Product demo with the team., Pricing walkthrough., Trial kickoff.")
SUPPORT_NOTES = _words(
    "Helped import their contact list., Reset two user passwords., "
    "Explained calling hours by time zone., Fixed a letter template margin."
)
CONSENT_TEXT_VERSION = "2025-09"
CONSENT_METHODS = {
    Consent.PENDING: "web form; confirmation email sent",
    Consent.CONFIRMED: "double opt-in: confirmation link clicked",
    Consent.UNSUBSCRIBED: "unsubscribe link",
}
DIGITS = "0123456789"
LETTERS = "ABDEFGHJLNPRTUWXYZ"  # letters allowed in every UK and Dutch postcode position
CURRENCIES = {country.code: country.currency for country in COUNTRIES}
