import Foundation

/// The older and looser XLSForm syntax pyxform still reads, brought to today's on the way in, so a form is
/// checked, fielded and written back out in one spelling: legacy type names (`select one from L`, `select all
/// that apply from L or specify other`, `gps`, `phone number`, `get start time`…), column aliases (`caption`,
/// `relevance`, `list name`, `value`…), curly quotes typed into expressions, comment rows without a type,
/// rows switched off with `disabled`, and notes without a name.
enum XLSFormSyntax {
    /// Legacy type names → today's, for types that take no argument.
    static let typeAliases: [String: String] = [
        "q picture": "image", "photo": "image", "add image prompt": "image", "add photo prompt": "image", "q image": "image",
        "add date time prompt": "dateTime", "q date time": "dateTime", "datetime": "dateTime", "date time": "dateTime",
        "add datetime prompt": "dateTime", "q datetime": "dateTime",
        "add audio prompt": "audio", "q audio": "audio",
        "add video prompt": "video", "q video": "video",
        "add file prompt": "file",
        "phone number": "phonenumber", "get phone number": "phonenumber", "uri:phonenumber": "phonenumber",
        "get start time": "start", "start time": "start", "get end time": "end", "end time": "end", "get today": "today",
        "add note prompt": "note", "q note": "note",
        "location": "geopoint", "q location": "geopoint", "q geopoint": "geopoint", "gps": "geopoint", "add location prompt": "geopoint",
        "q geoshape": "geoshape", "q geotrace": "geotrace",
        "get sim id": "simserial", "sim id": "simserial", "uri:simserial": "simserial",
        "imei": "deviceid", "device id": "deviceid", "get device id": "deviceid", "uri:deviceid": "deviceid",
        "subscriber id": "subscriberid", "get subscriber id": "subscriberid", "uri:subscriberid": "subscriberid",
        "uri:username": "username", "uri:email": "email",
        "string": "text", "q string": "text", "add text prompt": "text",
        "int": "integer", "q int": "integer", "add integer prompt": "integer",
        "q decimal": "decimal", "add decimal prompt": "decimal",
        "q date": "date", "add date prompt": "date",
        "q acknowledge": "acknowledge", "add acknowledge prompt": "acknowledge", "trigger": "acknowledge",
        "q barcode": "barcode", "add barcode prompt": "barcode",
        "q calculate": "calculate", "add calculate prompt": "calculate",
    ]

    /// Spellings of a type that takes a list (or a file), longest first so `select one from file` is not read as
    /// `select one from` + `file`.
    static let listTypes: [(words: [String], type: String)] = [
        ("add select one prompt using", "select_one"), ("add select multiple prompt using", "select_multiple"),
        ("select all that apply from", "select_multiple"), ("select one from file", "select_one_from_file"),
        ("select multiple from file", "select_multiple_from_file"), ("select one external", "select_one_external"),
        ("select multiple from", "select_multiple"), ("select one from", "select_one"), ("select one using", "select_one"),
        ("select multiple using", "select_multiple"), ("select all that apply", "select_multiple"),
        ("select_one_from_file", "select_one_from_file"), ("select_multiple_from_file", "select_multiple_from_file"),
        ("select_one_external", "select_one_external"), ("q select1", "select_one"), ("q select", "select_multiple"),
        ("select one", "select_one"), ("select_one", "select_one"), ("select1", "select_one"),
        ("select_multiple", "select_multiple"), ("rank", "rank"),
    ].map { (words: $0.0.split(separator: " ").map(String.init), type: $0.1) }
        .sorted { $0.words.count > $1.words.count }

    /// A type cell in today's spelling; text it does not know comes back as written, for the reader to report.
    static func modernType(_ text: String) -> String {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !words.isEmpty else { return text }
        let lower = words.map { $0.lowercased() }
        let joined = lower.joined(separator: " ")
        if let alias = typeAliases[joined] { return alias }
        if lower.count >= 2, lower[0] == "begin" || lower[0] == "end" {
            let rest = lower.dropFirst().joined(separator: " ")
            switch rest {
            case "group": return lower[0] + "_group"
            case "repeat", "lgroup", "looped group": return lower[0] + "_repeat"
            default: break
            }
        }
        switch lower[0] {
        case "begin_group", "begin_repeat", "end_group", "end_repeat": return lower[0]
        default: break
        }
        for spelling in listTypes where lower.starts(with: spelling.words) {
            var rest = Array(words.dropFirst(spelling.words.count))
            let tail = rest.dropFirst().map { $0.lowercased() }
            var other = false
            if tail == ["or_other"] || tail == ["or", "specify", "other"] {
                other = true
                rest = Array(rest.prefix(1))
            }
            guard rest.count == 1 else { return text }
            return spelling.type + " " + rest[0] + (other ? " or_other" : "")
        }
        return text
    }

    /// Column aliases on the survey sheet → today's names.
    static let surveyColumns: [String: String] = [
        "caption": "label", "relevance": "relevant", "constraining_message": "constraint_message", "calculate": "calculation",
        "requiredmsg": "required_message", "count": "repeat_count", "jr:count": "repeat_count", "readonly": "read_only",
        "command": "type", "tag": "name", "value": "name",
    ]

    /// Column aliases on the choices sheet.
    static let choiceColumns: [String: String] = ["caption": "label", "value": "name"]

    /// Columns whose cells are expressions, where a spreadsheet's curly quotes are straightened.
    static let expressionColumns: Set<String> = ["relevant", "constraint", "calculation", "choice_filter", "required", "repeat_count", "trigger"]

    static func straightenedQuotes(_ text: String) -> String {
        guard text.contains(where: { "\u{2018}\u{2019}\u{201C}\u{201D}".contains($0) }) else { return text }
        return text.replacingOccurrences(of: "\u{2018}", with: "'").replacingOccurrences(of: "\u{2019}", with: "'")
            .replacingOccurrences(of: "\u{201C}", with: "\"").replacingOccurrences(of: "\u{201D}", with: "\"")
    }

    /// A sheet with its aliased columns renamed; two columns that come to the same name are reported.
    static func renamingColumns(_ sheet: XLSFormSheet, _ aliases: [String: String], _ issues: inout [XLSFormIssue]) -> XLSFormSheet {
        var renamed: [String: String] = [:]
        var header: [String] = []
        var seen: [String: Int] = [:]
        let present = Set(sheet.header)
        for (i, column) in sheet.header.enumerated() {
            let (base, language) = XLSForm.split(column)
            // An alias gives way to a column already named in today's spelling.
            let modern = aliases[base].map { language.isEmpty ? $0 : $0 + "::" + language }.flatMap { present.contains($0) ? nil : $0 } ?? column
            if !column.isEmpty, let first = seen[modern] {
                let also = sheet.header[first] == column ? "" : " as '\(sheet.header[first])'"
                issues.append(XLSFormIssue(sheet: sheet.name, row: 1, column: XLSFormSheet.columnLetter(i),
                                           message: "column '\(column)' appears twice (also column \(XLSFormSheet.columnLetter(first))\(also)); each column must be named once"))
            }
            if !column.isEmpty { seen[modern] = seen[modern] ?? i }
            if modern != column { renamed[column] = modern }
            header.append(modern)
        }
        guard !renamed.isEmpty else { return sheet }
        let rows = sheet.rows.map { row in
            XLSFormSheet.Row(line: row.line, cells: Dictionary(row.cells.map { (renamed[$0.key] ?? $0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))
        }
        return XLSFormSheet(name: sheet.name, header: header, rows: rows)
    }

    /// The survey sheet in today's syntax.
    static func modernSurvey(_ sheet: XLSFormSheet, _ issues: inout [XLSFormIssue]) -> XLSFormSheet {
        var sheet = renamingColumns(sheet, surveyColumns, &issues)
        let labelled = sheet.header.filter { ["label", "hint"].contains(XLSForm.split($0).base) }
        sheet.rows = sheet.rows.compactMap { row in
            var row = row
            if let disabled = row["disabled"], ["yes", "true", "true()", "1"].contains(disabled.lowercased()) { return nil }
            guard let type = row["type"] else {
                // A row with neither a name nor a label is a comment, as pyxform reads it.
                return row["name"] == nil && !labelled.contains(where: { row[$0] != nil }) ? nil : row
            }
            let modern = modernType(type)
            if modern != type { row.cells["type"] = modern }
            if modern == "note", row["name"] == nil { row.cells["name"] = "generated_note_name_\(row.line)" }
            for column in sheet.header where expressionColumns.contains(XLSForm.split(column).base) {
                if let text = row.cells[column] { row.cells[column] = straightenedQuotes(text) }
            }
            return row
        }
        return sheet
    }
}
