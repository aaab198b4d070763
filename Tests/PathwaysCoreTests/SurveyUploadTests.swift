import Foundation
@testable import PathwaysCore
import Testing

/// File questions: what a file must be for its kind, the name the answer keeps, and that a page's field can never
/// claim a file that was not given.
@Suite struct SurveyUploadTests {
    let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3])

    func upload(_ key: String = "photo", name: String = "IMG_0001.PNG", type: String = "image/png", bytes: Data? = nil) -> SurveyUpload {
        SurveyUpload(key: key, originalName: name, contentType: type, bytes: bytes ?? png)
    }

    @Test func eachKindTakesItsOwnFiles() {
        #expect(upload().problem(kind: "image") == nil)
        #expect(upload(type: "application/octet-stream").problem(kind: "image") == nil, "a phone that sends no type is judged by the extension")
        #expect(upload(name: "scan.pdf", type: "application/pdf").problem(kind: "image") == "Please choose an image (a photo or a picture file).")
        #expect(upload(name: "scan.pdf", type: "application/pdf").problem(kind: "file") == nil)
        #expect(upload(name: "memo.m4a", type: "audio/mp4").problem(kind: "audio") == nil)
        #expect(upload(name: "memo.txt", type: "text/plain").problem(kind: "video") == "Please choose a video.")
        #expect(upload(bytes: Data()).problem(kind: "file") == "The file is empty; please choose it again.")
        #expect(upload(bytes: Data(count: SurveyUpload.maxBytes + 1)).problem(kind: "file") == "The file is larger than 10 MB; please choose a smaller one.")
        #expect(upload(bytes: Data(count: SurveyUpload.maxBytes)).problem(kind: "image") == nil)
    }

    @Test func theAnswerKeepsAGeneratedName() {
        let name = upload().storedName
        #expect(name.range(of: #"^photo-[0-9a-f]{12}\.png$"#, options: .regularExpression) != nil, "\(name)")
        #expect(upload("photo[2]").storedName.hasPrefix("photo-2-"))
        #expect(upload(name: "../../etc/passwd").storedName.range(of: #"^photo-[0-9a-f]{12}$"#, options: .regularExpression) != nil,
                "nothing of the device's name but a plain extension")
        #expect(upload(name: "x.<script>").storedName == "photo-" + name.dropFirst(6).prefix(12), "no extension that is not plain letters and digits")
        #expect(upload(bytes: Data([1])).storedName != name, "another file, another name")
    }

    @Test func aPageCanOnlyNameAFileItGave() throws {
        let form = try XLSForm(survey: try XLSFormSheet.csv("type,name,label,required\nimage,photo,A photo of your workplace,yes\ntext,note,Anything else?,\n", name: "survey"), choices: nil)
        var run = SurveyRun(form: form, today: Date())
        #expect(run.uploadKeys(on: 0) == ["photo"])
        // A field that claims a file is dropped; with no file the required question is unanswered.
        let forged = run.takingUploads(["photo": ["../../secret.png"], "note": ["hi"]], [], page: 0)
        #expect(forged.values["photo"] == nil && forged.values["note"] == ["hi"] && forged.taken.isEmpty)
        #expect(run.submit(page: 0, values: forged.values) == ["photo": "This question needs an answer."])
        // A wrong kind of file is refused by its rule; a file for a key the page does not ask is ignored.
        let wrong = run.takingUploads([:], [upload(name: "a.pdf", type: "application/pdf"), upload("note")], page: 0)
        #expect(wrong.errors == ["photo": "Please choose an image (a photo or a picture file)."] && wrong.taken.isEmpty)
        let given = run.takingUploads([:], [upload()], page: 0)
        #expect(given.taken.map(\.key) == ["photo"])
        #expect(run.submit(page: 0, values: given.values).isEmpty)
        let stored = try #require(run.answers["photo"])
        #expect(stored == upload().storedName)
        // Sent again with no file, the page keeps the one given; the remove box removes it.
        #expect(run.submit(page: 0, values: ["note": ["again"]]).isEmpty && run.answers["photo"] == stored)
        run.submitUnchecked(page: 0, values: [SurveyRun.removeKey("photo"): ["yes"]])
        #expect(run.answers["photo"] == nil)
    }
}
