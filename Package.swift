// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "pathways",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pathways", targets: ["pathways"]),
        .library(name: "PathwaysCore", targets: ["PathwaysCore"]),
        .library(name: "PathwaysStore", targets: ["PathwaysStore"]),
        .library(name: "PathwaysApp", targets: ["PathwaysApp"]),
        .library(name: "PathwaysServer", targets: ["PathwaysServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.25.0"),
    ],
    targets: [
        // Domain: types and pure logic, no I/O.
        .target(
            name: "PathwaysCore",
            dependencies: [
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Demo/Instruments")],
            swiftSettings: swiftSettings
        ),
        // Persistence: SQLKit over SQLite and PostgreSQL, one query code path.
        .target(
            name: "PathwaysStore",
            dependencies: [
                "PathwaysCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Use cases: one type per area of work, each method one thing a person does (load, authorize, decide, write,
        // audit). Pages, the JSON API and the CLI call these and hold no rule.
        .target(
            name: "PathwaysApp",
            dependencies: [
                "PathwaysCore",
                "PathwaysStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP: JSON API, HTML pages, middleware, templates.
        .target(
            name: "PathwaysServer",
            dependencies: [
                "PathwaysCore",
                "PathwaysStore",
                "PathwaysApp",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Templates"), .copy("Static")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pathways",
            dependencies: [
                "PathwaysServer",
                "PathwaysApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Shared by the test targets: a fresh SQLite file or PostgreSQL schema per test.
        .target(
            name: "PathwaysTestSupport",
            dependencies: ["PathwaysStore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/PathwaysTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PathwaysCoreTests",
            dependencies: ["PathwaysCore", "PathwaysTestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PathwaysStoreTests",
            dependencies: ["PathwaysStore", "PathwaysCore", "PathwaysTestSupport", "PathwaysApp"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PathwaysAppTests",
            dependencies: ["PathwaysApp", "PathwaysStore", "PathwaysCore", "PathwaysTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PathwaysServerTests",
            dependencies: [
                "PathwaysServer",
                "PathwaysApp",
                "PathwaysTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
