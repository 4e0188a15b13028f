import Hummingbird
import HTTPTypes

/// Forwards route registrations to the real router and writes each down with its group and access, so
/// the server can list exactly what it registered (``VigilHTTPServer/routes``).
final class RouteRecorder: RouterMethods {
    typealias Context = VigilRequestContext

    let router: Router<Context>
    private(set) var routes: [RegisteredRoute] = []
    /// The group being added; set by ``add(_:authorisation:)``.
    private var current: (name: String, access: RouteAccess) = ("", .open)

    init(router: Router<Context>) { self.router = router }

    @discardableResult func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method,
                                                          responder: Responder) -> Self where Responder.Context == Context {
        router.on(path, method: method, responder: responder)
        routes.append(RegisteredRoute(method: method.rawValue, path: path.description, access: current.access, group: current.name))
        return self
    }

    @discardableResult func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self {
        router.add(middleware: middleware)
        return self
    }

    /// Adds a group's routes behind the authorisation middleware for its access rule.
    func add(_ group: any RouteGroup, authorisation: (any RouteGroup) -> RequireRole?) {
        let collection = RouteCollection(context: Context.self)
        if let middleware = authorisation(group) { collection.add(middleware: middleware) }
        group.addRoutes(to: collection)
        current = (group.name, group.access)
        addRoutes(collection)
    }
}
