import Foundation
@testable import PathwaysCore
import Testing

/// Degree requirements in words as postings write them: whole words, "no requirements" as text, degrees named
/// beyond US English.
@Suite struct DegreeWordsTests {
    func posting(description: String = "Build and test services.", education: [EducationRequirement] = []) -> JobPosting {
        var p = JobPosting(title: "Engineer", description: description)
        p.education = education
        return p
    }

    @Test func undergraduateIsNotGraduate() {
        #expect(DegreeClassifier.level(ofCategory: "ongoing undergraduate degree") == .bachelors)
        #expect(DegreeClassifier.level(ofCategory: "Undergraduate") == .bachelors)
        #expect(DegreeClassifier.level(ofCategory: "postgraduate degree") == .graduate)
        #expect(DegreeClassifier.level(ofCategory: "Master's") == .graduate)
        #expect(DegreeClassifier.level(ofCategory: "bachelor degree") == .bachelors)
        let p = posting(education: [EducationRequirement(credentialCategory: "ongoing undergraduate degree")])
        #expect(DegreeClassifier.classify(p).requirement == .bachelors)
    }

    @Test func noRequirementsInWordsIsNoDegree() {
        for text in ["no requirements", "No requirements.", "None", "not required"] {
            #expect(DegreeClassifier.classify(posting(education: [EducationRequirement(text: text)])).requirement == .noDegree, "\(text)")
        }
        // Not the whole requirement: read as the words say.
        #expect(DegreeClassifier.classify(posting(education: [EducationRequirement(text: "Bachelor's degree; no requirements beyond that")])).requirement == .bachelors)
    }

    @Test(arguments: [
        ("Se requiere licenciatura en administración o afín.", DegreeRequirement.bachelors),
        ("Titulación: grado en Ingeniería Informática.", .bachelors),
        ("Vous êtes titulaire d'une licence en informatique.", .bachelors),
        ("Abgeschlossenes Studium (Bachelor-Abschluss) in Informatik.", .bachelors),
        ("Formação: bacharelado em Ciência da Computação.", .bachelors),
        ("Requisito: máster en ciencia de datos.", .graduate),
        ("Titulaire d'un doctorat en chimie.", .graduate),
        ("You hold a degree in economics or a related subject.", .bachelors),
        ("A valid driving licence and a clean record.", .unknown),
        ("Experience with graduate students is welcome.", .unknown),
    ]) func degreesAreReadBeyondUSEnglish(_ text: String, _ expected: DegreeRequirement) {
        #expect(DegreeClassifier.classify(posting(description: text)).requirement == expected, "\(DegreeClassifier.classify(posting(description: text)).reason)")
    }
}
