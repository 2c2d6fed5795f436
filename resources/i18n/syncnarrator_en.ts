<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name></name>
    <message numerus="yes">
        <source>%n lines spoken</source>
        <translation>
            <numerusform>%n line spoken</numerusform>
            <numerusform>%n lines spoken</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n lines shortened to fit</source>
        <translation>
            <numerusform>%n line shortened to fit</numerusform>
            <numerusform>%n lines shortened to fit</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n lines left silent (too long for their clip):</source>
        <translation>
            <numerusform>%n line left silent (too long for its clip):</numerusform>
            <numerusform>%n lines left silent (too long for their clip):</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n warnings:</source>
        <translation>
            <numerusform>%n warning:</numerusform>
            <numerusform>%n warnings:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>the product knowledge has only %n facts</source>
        <translation>
            <numerusform>the product knowledge has only %n fact</numerusform>
            <numerusform>the product knowledge has only %n facts</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(+%n more selected)</source>
        <translation>
            <numerusform>(+%n more selected)</numerusform>
            <numerusform>(+%n more selected)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n characters (budget {low}–{high})</source>
        <translation>
            <numerusform>%n character (budget {low}–{high})</numerusform>
            <numerusform>%n characters (budget {low}–{high})</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n characters (clip too short to speak)</source>
        <translation>
            <numerusform>%n character (clip too short to speak)</numerusform>
            <numerusform>%n characters (clip too short to speak)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Split clip: %n new lines</source>
        <translation>
            <numerusform>Split clip: %n new line</numerusform>
            <numerusform>Split clip: %n new lines</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Merge %n clips</source>
        <translation>
            <numerusform>Merge %n clip</numerusform>
            <numerusform>Merge %n clips</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n of the lines are locked (you wrote or locked them). Clear them?</source>
        <translation>
            <numerusform>%n of the lines is locked (you wrote or locked it). Clear it?</numerusform>
            <numerusform>%n of the lines are locked (you wrote or locked them). Clear them?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Clear %n lines</source>
        <translation>
            <numerusform>Clear %n line</numerusform>
            <numerusform>Clear %n lines</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Detected %n clips</source>
        <translation>
            <numerusform>Detected %n clip</numerusform>
            <numerusform>Detected %n clips</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{what}: %n lines</source>
        <translation>
            <numerusform>{what}: %n line</numerusform>
            <numerusform>{what}: %n lines</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(%n warnings: {first})</source>
        <translation>
            <numerusform>(%n warning: {first})</numerusform>
            <numerusform>(%n warnings: {first})</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n line(s) cannot be spoken inside their clips even at the fastest allowed speed. Exported as they are, these clips would have no voice and no subtitle.</source>
        <translation>
            <numerusform>%n line cannot be spoken inside its clip even at the fastest allowed speed. Exported as it is, this clip would have no voice and no subtitle.</numerusform>
            <numerusform>%n lines cannot be spoken inside their clips even at the fastest allowed speed. Exported as they are, these clips would have no voice and no subtitle.</numerusform>
        </translation>
    </message>
</context>
</TS>
